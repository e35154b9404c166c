import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Processes `drillctl up` started, so `drillctl down` stops exactly those. */
export interface ProcessRecord {
  pid: number;
  startedAt: string;
  log: string;
  [extra: string]: unknown;
}
export type ProcessName = 'server' | 'sandbox' | 'worker';
export type ProcessTable = Partial<Record<ProcessName, ProcessRecord>>;

const tableFile = (dir: string): string => path.join(dir, 'processes.json');

export function readProcesses(dir: string): ProcessTable {
  try {
    return JSON.parse(fs.readFileSync(tableFile(dir), 'utf8')) as ProcessTable;
  } catch {
    return {};
  }
}

export function writeProcesses(dir: string, table: ProcessTable): void {
  fs.writeFileSync(tableFile(dir), JSON.stringify(table, null, 2) + '\n');
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts this CLI again in the background (`drillctl worker`, `drillctl sandbox up`), logging to a file. */
export function spawnDrillctl(args: string[], log: string, env: NodeJS.ProcessEnv = {}): number {
  const bin = path.resolve(__dirname, '..', '..', 'bin', 'drillctl.js');
  const out = fs.openSync(log, 'a');
  const child = spawn(process.execPath, [bin, ...args], { detached: true, stdio: ['ignore', out, out], env: { ...process.env, ...env } });
  fs.closeSync(out);
  child.unref();
  if (!child.pid) throw new Error(`could not start drillctl ${args.join(' ')}`);
  return child.pid;
}

export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, logHint?: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} was not ready within ${Math.round(timeoutMs / 1000)} s${logHint ? `; see ${logHint}` : ''}`);
}

export async function stopProcess(pid: number): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(-pid, 'SIGTERM'); // the whole process group: a detached child leads its own
  } catch {
    process.kill(pid, 'SIGTERM');
  }
  const deadline = Date.now() + 15_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}
