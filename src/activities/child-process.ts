import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { knownSecrets, redactSecrets } from './redaction';

/** How processes are started; tests wrap it to see every argv and environment. */
export type SpawnProcess = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export type OutputStream = 'stdout' | 'stderr';

// What any program needs to run at all (find binaries, a home, a locale, a temp folder), and
// nothing that could hold a credential. LC_* variables are passed too.
const BASE_ENV = ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR', 'TMP', 'TEMP', 'SYSTEMROOT'];

export interface ChildEnvironmentSpec {
  /** More variables passed from the worker's environment when set (e.g. TLS trust for the convex CLI). */
  inherit?: readonly string[];
  /** Values the configuration states (replay.env, a hook's env) and the one secret the command needs. */
  set?: Record<string, string | undefined>;
}

/**
 * A child's environment, from an allow-list: never the worker's whole environment, which holds
 * the worker's credentials (CONVEX_ADMIN_KEY behind an `env:` reference, TEMPORAL_API_KEY) that a
 * runtime task or a hook script has no business reading.
 */
export function childEnvironment(spec: ChildEnvironmentSpec = {}, parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  const names = [...BASE_ENV, ...Object.keys(parent).filter((n) => n.startsWith('LC_')), ...(spec.inherit ?? [])];
  for (const name of names) {
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  for (const [name, value] of Object.entries(spec.set ?? {})) if (value !== undefined) env[name] = value;
  return env;
}

export interface ChildRequest {
  /** Program and arguments, run without a shell: nothing in them is ever interpreted. */
  argv: readonly string[];
  cwd?: string;
  /** The whole environment of the child, from childEnvironment(). */
  env: Record<string, string>;
  /** Values redacted from everything returned (the worker's own credentials are added). */
  secrets?: readonly string[];
  timeoutMs: number;
  /** Aborts the command (activity cancellation); the whole process group is ended. */
  signal?: AbortSignal;
  /** SIGTERM first and SIGKILL this long after, for programs that clean up on SIGTERM; default SIGKILL at once. */
  killGraceMs?: number;
  /** Each complete output line, redacted, as it arrives (progress for heartbeats). */
  onLine?: (line: string, stream: OutputStream) => void;
  /** Called every few seconds while the command runs (activity heartbeats). */
  onProgress?: () => void;
  progressIntervalMs?: number;
  /** Per stream; the rest is dropped at a line boundary (a secret never spans one). */
  maxOutputChars?: number;
  spawnProcess?: SpawnProcess;
}

export interface ChildRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Each stream, redacted. */
  stdout: string;
  stderr: string;
  /** Both streams line by line in the order the lines were completed, redacted. */
  output: string;
  durationMs: number;
  timedOut: boolean;
  /** The output went past maxOutputChars and was cut. */
  truncated: boolean;
  /** Set when the command could not be started at all (ENOENT, EACCES, a missing cwd). */
  spawnError?: { code: string; message: string };
}

const DEFAULT_MAX_OUTPUT_CHARS = 4 * 1024 * 1024;
const PROGRESS_INTERVAL_MS = 5000;

/** One stream's text, kept whole up to a cap, and the lines completed so far. */
class StreamCapture {
  text = '';
  truncated = false;
  private partial = '';
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly maxChars: number) {}

  /** Adds a chunk; returns the lines it completed (raw, not yet redacted). */
  add(chunk: Buffer): string[] {
    return this.append(this.decoder.write(chunk));
  }

  /** The last line, without a trailing newline, when the stream ends. */
  end(): string[] {
    const rest = this.append(this.decoder.end());
    if (this.partial) rest.push(this.partial);
    this.partial = '';
    return rest;
  }

  private append(text: string): string[] {
    if (!this.truncated) {
      this.text += text;
      if (this.text.length > this.maxChars) {
        this.truncated = true;
        this.text = this.text.slice(0, this.text.lastIndexOf('\n', this.maxChars) + 1);
      }
    }
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    // A line longer than the cap is cut rather than held without bound.
    if (this.partial.length > this.maxChars) this.partial = this.partial.slice(0, this.maxChars);
    return lines;
  }
}

/**
 * The one way the product runs a child process: no shell, an allow-listed environment, its own
 * process group so a timeout or a cancellation ends everything it started (mix starts a BEAM,
 * npx starts node), and known secrets redacted from the assembled output, never chunk by chunk.
 */
export function runChildProcess(req: ChildRequest): Promise<ChildRun> {
  return new Promise((resolve) => {
    const started = performance.now();
    const secrets = knownSecrets(req.secrets);
    const redact = (text: string): string => redactSecrets(text, secrets);
    const maxChars = req.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS;
    const capture = { stdout: new StreamCapture(maxChars), stderr: new StreamCapture(maxChars) };
    const lines: string[] = [];
    let lineChars = 0;
    let timedOut = false;
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;

    const emit = (stream: OutputStream, completed: string[]): void => {
      for (const raw of completed) {
        const line = redact(raw.replace(/\r$/, ''));
        if (lineChars < maxChars * 2) {
          lines.push(line);
          lineChars += line.length + 1;
        }
        req.onLine?.(line, stream);
      }
    };

    const [file, ...args] = req.argv;
    let child: ChildProcess;
    try {
      child = (req.spawnProcess ?? nodeSpawn)(file!, args, { cwd: req.cwd, env: req.env, shell: false, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      resolve({ exitCode: null, signal: null, stdout: '', stderr: '', output: '', durationMs: 0, timedOut: false, truncated: false, spawnError: { code: e.code ?? 'error', message: redact(e.message) } });
      return;
    }

    const signalGroup = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        // The group is gone already, or was never created (spawn failed): the child alone, if any.
        child.kill(sig);
      }
    };
    const endGroup = (): void => {
      if (!req.killGraceMs) return signalGroup('SIGKILL');
      signalGroup('SIGTERM');
      graceTimer ??= setTimeout(() => signalGroup('SIGKILL'), req.killGraceMs);
    };

    for (const stream of ['stdout', 'stderr'] as const) child[stream]?.on('data', (d: Buffer) => emit(stream, capture[stream].add(d)));
    const timer = setTimeout(() => {
      timedOut = true;
      endGroup();
    }, req.timeoutMs);
    const progress = req.onProgress ? setInterval(req.onProgress, req.progressIntervalMs ?? PROGRESS_INTERVAL_MS) : undefined;
    req.signal?.addEventListener('abort', endGroup, { once: true });
    if (req.signal?.aborted) endGroup();

    const finish = (exitCode: number | null, signal: NodeJS.Signals | null, spawnError?: ChildRun['spawnError']): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      if (progress) clearInterval(progress);
      req.signal?.removeEventListener('abort', endGroup);
      // What a killed leader left behind in its group (a BEAM, a download) goes with it.
      if (timedOut || req.signal?.aborted) signalGroup('SIGKILL');
      for (const stream of ['stdout', 'stderr'] as const) emit(stream, capture[stream].end());
      resolve({
        exitCode,
        signal,
        stdout: redact(capture.stdout.text),
        stderr: redact(capture.stderr.text),
        output: lines.join('\n'),
        durationMs: Math.round(performance.now() - started),
        timedOut,
        truncated: capture.stdout.truncated || capture.stderr.truncated,
        ...(spawnError ? { spawnError } : {}),
      });
    };
    child.once('error', (err: NodeJS.ErrnoException) => finish(null, null, { code: err.code ?? 'error', message: redact(err.message) }));
    child.once('close', (code, signal) => finish(code, signal));
  });
}
