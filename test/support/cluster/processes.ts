import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

/** Who a child runs as: PostgreSQL refuses to run as root, so the cluster starts it as its own user. */
export interface RunAs {
  uid: number;
  gid: number;
}

export interface ProcessOptions {
  /** The whole environment of the child: nothing is inherited, so no secret leaks into it by accident. */
  env: NodeJS.ProcessEnv;
  cwd?: string;
  runAs?: RunAs;
}

/** The little every child needs from ours (where programs are, a home, a locale). */
export function baseEnv(): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];
  return Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
}

const running = new Set<ChildProcess>();
// A run that dies before its after-hooks (an uncaught error, mocha's --exit) still takes its
// servers down: kill() is synchronous, so it works in an exit handler.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Runs a command to completion; rejects with its output when it fails. */
export function runCommand(bin: string, args: string[], opts: ProcessOptions, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], ...opts.runAs });
    running.add(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      running.delete(child);
      reject(new Error(`could not run ${bin}: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      if (code === 0) resolve(out);
      else reject(new Error(`${bin} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${out}`));
    });
  });
}

export interface ServiceProcess {
  child: ChildProcess;
  logFile: string;
  /** Rejects when the process ends before stop() was called. */
  exited: Promise<never>;
  /** Sends `signal`, then SIGKILL after graceMs; resolves once the process is gone. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
  log(): string;
}

/** Starts a long-running server process whose output goes to logFile. */
export function startService(name: string, bin: string, args: string[], opts: ProcessOptions & { logFile: string }): ServiceProcess {
  const out = fs.openSync(opts.logFile, 'a');
  if (opts.runAs) fs.fchownSync(out, opts.runAs.uid, opts.runAs.gid);
  const child = spawn(bin, args, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', out, out], ...opts.runAs });
  fs.closeSync(out);
  running.add(child);
  let stopping = false;
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`could not start ${name} (${bin}): ${err.message}`)));
    child.once('exit', (code, signal) => {
      running.delete(child);
      if (!stopping) reject(new Error(`${name} exited (${signal ?? `code ${code}`}); see ${opts.logFile}`));
    });
  });
  exited.catch(() => undefined);
  return {
    child,
    logFile: opts.logFile,
    exited,
    log: () => fs.readFileSync(opts.logFile, 'utf8'),
    async stop(signal = 'SIGTERM', graceMs = 15_000) {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** Polls `ready` until it resolves true; fails with what it last saw, or as soon as the process exits. */
export async function waitUntil(what: string, ready: () => Promise<boolean>, opts: { timeoutMs: number; process?: ServiceProcess }): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: unknown;
  const poll = async (): Promise<void> => {
    while (Date.now() < deadline) {
      try {
        if (await ready()) return;
      } catch (err) {
        last = err;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${what} within ${opts.timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}${opts.process ? `; see ${opts.process.logFile}` : ''}`);
  };
  await (opts.process ? Promise.race([poll(), opts.process.exited]) : poll());
}
