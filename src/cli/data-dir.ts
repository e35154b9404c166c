import fs from 'node:fs';
import path from 'node:path';

/**
 * Where drillctl keeps the dev server's database, logs, pids, sandbox state and reports. Reading
 * it creates nothing: a command run outside a checkout leaves no empty `.drillctl/` behind.
 */
export function dataDir(): string {
  return path.resolve(process.env.DRILLCTL_HOME ?? '.drillctl');
}

/** The data folder, created first: for the commands that write into it (up, server, worker, sandbox up). */
export function ensureDataDir(): string {
  const dir = dataDir();
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
