import os from 'node:os';

/** Who is acting: --as, else $DRILLCTL_USER, else the OS user. Recorded in history with every decision. */
export function actingIdentity(as?: string): string {
  return as ?? process.env.DRILLCTL_USER ?? os.userInfo().username;
}
