import fs from 'node:fs';
import path from 'node:path';

/** Where drillctl keeps the dev server's database, logs, pids, sandbox state and reports. */
export function dataDir(): string {
  const dir = path.resolve(process.env.DRILLCTL_HOME ?? '.drillctl');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
