import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stripAnsi } from '../../domain/snapshot/convex-cli-output';
import { childEnvironment, runChildProcess, type SpawnProcess } from '../child-process';

export type { SpawnProcess };

/** A deployment with its admin key already resolved (inside the activity, never passed further). */
export interface ResolvedDeployment {
  url: string;
  adminKey: string;
}

export interface ConvexCliRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** stderr and stdout, ANSI codes removed, the admin key redacted. */
  output: string;
  /** It ran past `timeoutMs` and its process group was killed. */
  timedOut: boolean;
}

export interface ConvexCliRequest {
  /** `node_modules/convex/bin/main.js` of the pinned CLI. */
  cliPath: string;
  deployment: ResolvedDeployment;
  /** Subcommand and flags, e.g. `['export', '--path', zip]`; `--env-file` is added here. */
  args: string[];
  onLine?: (line: string) => void;
  signal?: AbortSignal;
  /** The CLI's process group is killed after this long (backup.cliTimeoutSeconds); default: only the activity's own timeouts bound it. */
  timeoutMs?: number;
  spawnProcess?: SpawnProcess;
}

const WORK_DIR_PREFIX = 'drillctl-convex-';
const MAX_OUTPUT_CHARS = 1 << 20;
// Without a configured bound, the activity's own timeouts bound the CLI.
const NO_TIMEOUT_MS = 2 ** 31 - 1;
// SIGTERM lets the CLI stop its upload or download cleanly before SIGKILL.
const KILL_GRACE_MS = 5000;

/** The pinned CLI inside this installation's node_modules. */
export function defaultConvexCliPath(): string {
  return path.join(path.dirname(require.resolve('convex/package.json')), 'bin', 'main.js');
}

/**
 * One `KEY=value` line dotenv reads back verbatim: single quotes make the value literal (no `#`
 * comments, no `\n` escapes); a value with a quote of each kind uses backticks.
 */
export function envFileLine(name: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`${name} cannot contain a line break`);
  if (!value.includes("'")) return `${name}='${value}'`;
  if (!value.includes('`')) return `${name}=\`${value}\``;
  if (!value.includes('"')) return `${name}="${value}"`;
  throw new Error(`${name} contains every kind of quote and cannot be written to an env file`);
}

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
  } catch {
    return false;
  }
}

/**
 * The CLI's environment, from an allow-list: it never inherits the worker's secrets (an
 * `env:NAME` admin key lives in the worker's environment) or a CONVEX_DEPLOYMENT /
 * CONVEX_DEPLOY_KEY that would win over the env file. CI=1 turns off Sentry reporting and
 * spinners, NO_COLOR the ANSI codes (reference section 2.3).
 */
export function cliEnvironment(deploymentUrl: string, parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const inherit = ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR'];
  // A proxy would also carry loopback requests (the CLI's undici ProxyAgent ignores NO_PROXY).
  if (!isLoopback(deploymentUrl)) inherit.push('HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy');
  return childEnvironment({ inherit, set: { CI: '1', NO_COLOR: '1' } }, parent);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes work folders (and so env files) left by a worker that was killed while the CLI ran:
 * a SIGKILL skips every `finally`. Folders are named after the worker's pid.
 */
export function sweepStaleWorkDirs(tmp = os.tmpdir()): string[] {
  const removed: string[] = [];
  for (const name of fs.readdirSync(tmp)) {
    const m = new RegExp(`^${WORK_DIR_PREFIX}(\\d+)-`).exec(name);
    if (!m || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue;
    fs.rmSync(path.join(tmp, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * Runs the real `convex` CLI as operators do, against a self-hosted deployment. The URL and admin
 * key go into a private env file (0600, in a 0700 folder) passed with `--env-file`: never argv,
 * never the child's environment. The file is deleted as soon as the CLI prints its first line
 * (it reads the file before any output) and in any case when it exits. The key is redacted from
 * the CLI's assembled output before any of it is parsed, heartbeated or put in a failure.
 */
export async function runConvexCli(req: ConvexCliRequest): Promise<ConvexCliRun> {
  sweepStaleWorkDirs();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${WORK_DIR_PREFIX}${process.pid}-`));
  fs.chmodSync(dir, 0o700);
  const envFile = path.join(dir, 'deployment.env');
  const removeEnvFile = (): void => fs.rmSync(envFile, { force: true });
  try {
    // The CLI refuses to run in a folder whose package.json does not list convex (reference 2.2).
    fs.writeFileSync(path.join(dir, 'package.json'), '{"private":true,"dependencies":{"convex":"1.48.0"}}\n');
    fs.writeFileSync(envFile, `${envFileLine('CONVEX_SELF_HOSTED_URL', req.deployment.url)}\n${envFileLine('CONVEX_SELF_HOSTED_ADMIN_KEY', req.deployment.adminKey)}\n`, { mode: 0o600, flag: 'wx' });
    const run = await runChildProcess({
      argv: [process.execPath, req.cliPath, ...req.args, '--env-file', envFile],
      cwd: dir,
      env: cliEnvironment(req.deployment.url),
      secrets: [req.deployment.adminKey],
      timeoutMs: Math.min(req.timeoutMs ?? NO_TIMEOUT_MS, NO_TIMEOUT_MS),
      killGraceMs: KILL_GRACE_MS,
      signal: req.signal,
      maxOutputChars: MAX_OUTPUT_CHARS,
      spawnProcess: req.spawnProcess,
      onLine(line) {
        removeEnvFile();
        const shown = stripAnsi(line).trim();
        if (shown) req.onLine?.(shown);
      },
    });
    if (run.spawnError) throw new Error(`cannot start the convex CLI ${req.cliPath}: ${run.spawnError.message}`);
    return { exitCode: run.exitCode, signal: run.signal, output: stripAnsi(run.output), timedOut: run.timedOut };
  } finally {
    removeEnvFile();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
