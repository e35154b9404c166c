import { spawn } from 'node:child_process';

export interface CommandRequest {
  argv: string[];
  cwd?: string;
  /** Added to the worker's environment (replay.env). */
  env?: Record<string, string>;
  timeoutMs: number;
  /** Aborts the command (activity cancellation); the process group is killed. */
  signal?: AbortSignal;
  /** Called every few seconds while the command runs (activity heartbeats). */
  onProgress?: () => void;
}

export interface CommandResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
  /** Set when the command could not be started at all (ENOENT, EACCES, a missing cwd). */
  spawnError?: string;
}

/** The port the reproject activities run commands through; the real one spawns a process. */
export type CommandRunner = (req: CommandRequest) => Promise<CommandResult>;

const MAX_CAPTURE_BYTES = 4 * 1024 * 1024;
const PROGRESS_INTERVAL_MS = 5000;

/**
 * Runs argv[0] with the rest as its arguments, with no shell in between (no quoting, no
 * expansion, nothing an id could inject), in its own process group so a timeout or a
 * cancellation ends the children it started too (mix starts a BEAM).
 */
export const spawnCommand: CommandRunner = (req) =>
  new Promise((resolve) => {
    const started = performance.now();
    const [file, ...args] = req.argv;
    const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    const sizes = { stdout: 0, stderr: 0 };
    let timedOut = false;
    let settled = false;
    const child = spawn(file!, args, { cwd: req.cwd, env: { ...process.env, ...req.env }, shell: false, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const killGroup = (): void => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream].on('data', (d: Buffer) => {
        if (sizes[stream] >= MAX_CAPTURE_BYTES) return;
        sizes[stream] += d.length;
        chunks[stream].push(d);
      });
    }
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, req.timeoutMs);
    const progress = req.onProgress ? setInterval(req.onProgress, PROGRESS_INTERVAL_MS) : undefined;
    const onAbort = (): void => killGroup();
    req.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null, spawnError?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (progress) clearInterval(progress);
      req.signal?.removeEventListener('abort', onAbort);
      resolve({
        exitCode,
        signal,
        stdout: Buffer.concat(chunks.stdout).toString('utf8'),
        stderr: Buffer.concat(chunks.stderr).toString('utf8'),
        durationMs: Math.round(performance.now() - started),
        timedOut,
        ...(spawnError ? { spawnError } : {}),
      });
    };
    child.once('error', (err: NodeJS.ErrnoException) => finish(null, null, `${err.code ?? 'error'}: ${err.message}`));
    child.once('close', (code, signal) => finish(code, signal));
  });
