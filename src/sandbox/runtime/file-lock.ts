import fs from 'node:fs';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An exclusive lock file holding the owner's pid. The runtime stand-in loads its whole SQLite
 * file into memory and writes it back, so two commands must never overlap on one database;
 * a lock left by a process that died is taken over.
 */
export async function acquireFileLock(lockPath: string, timeoutMs: number): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = fs.openSync(lockPath, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return () => fs.rmSync(lockPath, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number(fs.readFileSync(lockPath, { encoding: 'utf8', flag: 'a+' }).trim());
    if (Number.isInteger(owner) && owner > 0 && !alive(owner)) {
      fs.rmSync(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`the runtime database is locked by pid ${owner || 'unknown'} (${lockPath})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
