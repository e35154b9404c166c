import { spawn } from 'node:child_process';
import { Context, heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../../domain/config/schema';
import { durationMs } from '../../domain/rollout/duration';
import { resolveHookAction } from '../../domain/rollout/hook-resolution';
import type { CommandCall, HookAction, HttpCall } from '../../domain/rollout/hook-schema';
import type { SecretRef } from '../../domain/secret-ref';
import { resolveSecret } from '../secrets';

export interface CohortHookRequest {
  workflowId: string;
  /** The environment whose `rollout.hooks` in the worker's config declares the hook. */
  environment: string;
  step: string;
  /** A hook name declared in the worker's config, and the parameters the plan gives it. */
  hook: string;
  params?: Record<string, string>;
  direction: 'do' | 'undo';
  /** Same for every retry of this change: hooks are told it so they can be idempotent. */
  idempotencyKey: string;
}

export interface CohortHookOutcome {
  hook: string;
  direction: 'do' | 'undo';
  detail: string;
}

/** Failure types of cohort hooks; the workflow tells them apart. */
export const CohortHookFailure = {
  failed: 'CohortHookFailed',
  rejected: 'CohortHookRejected',
  notFound: 'CohortHookCommandNotFound',
  unknown: 'CohortHookUnknown',
} as const;

export interface CohortActivityDeps {
  resolveSecret?: (ref: SecretRef) => Promise<string>;
  /** The worker's config: the only source of what a hook runs. Without one, every hook is unknown. */
  config?: Config;
}

// The hook command sees only these from the worker's environment: a worker may hold credentials
// (admin keys, cloud tokens) that a flag-switching script has no business reading.
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR'];
const OUTPUT_LIMIT = 4000;

function inActivity(): boolean {
  try {
    Context.current();
    return true;
  } catch {
    return false;
  }
}

function beat(details: unknown): void {
  if (inActivity()) heartbeat(details);
}

function abortSignal(): AbortSignal | undefined {
  return inActivity() ? Context.current().cancellationSignal : undefined;
}

function redact(text: string, secrets: string[]): string {
  return secrets.filter((s) => s.length >= 4).reduce((t, s) => t.split(s).join('[redacted]'), text);
}

async function resolveAll(refs: Record<string, SecretRef>, resolve: (ref: SecretRef) => Promise<string>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, ref] of Object.entries(refs)) out[name] = await resolve(ref);
  return out;
}

function lastLine(text: string): string {
  const lines = text.trim().split(/\r?\n/);
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}

async function runHttp(req: CohortHookRequest, call: HttpCall, resolve: (ref: SecretRef) => Promise<string>): Promise<string> {
  const secretHeaders = await resolveAll(call.secretHeaders, resolve);
  const headers: Record<string, string> = { ...call.headers, ...secretHeaders, 'idempotency-key': req.idempotencyKey };
  if (call.body !== undefined) headers['content-type'] ??= 'application/json';
  const timeout = AbortSignal.timeout(durationMs(call.timeout));
  const cancel = abortSignal();
  let res: Response;
  // The workflow's heartbeat timeout is shorter than the longest HTTP timeout a hook may declare.
  const ticker = setInterval(() => beat({ hook: req.hook, direction: req.direction }), 2000);
  try {
    res = await fetch(call.url, { method: call.method, headers, body: call.body === undefined ? undefined : JSON.stringify(call.body), signal: cancel ? AbortSignal.any([timeout, cancel]) : timeout, redirect: 'manual' });
  } catch (err) {
    const why = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
    throw ApplicationFailure.retryable(`cohort hook ${req.hook} (${req.direction}): ${call.method} ${call.url} failed: ${why}; retrying`, CohortHookFailure.failed);
  } finally {
    clearInterval(ticker);
  }
  const body = redact(await res.text(), Object.values(secretHeaders));
  const ok = call.expectStatus ? call.expectStatus.includes(res.status) : res.status >= 200 && res.status < 300;
  if (ok) return `${call.method} ${call.url}: HTTP ${res.status}`;
  const said = `${call.method} ${call.url} answered HTTP ${res.status}${body ? `: ${body.slice(0, 200)}` : ''}`;
  // A 4xx (other than timeouts and rate limits) is the hook's configuration: retrying repeats it.
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
    throw ApplicationFailure.nonRetryable(`cohort hook ${req.hook} (${req.direction}): ${said}; fix the hook in the worker's config`, CohortHookFailure.rejected);
  }
  throw ApplicationFailure.retryable(`cohort hook ${req.hook} (${req.direction}): ${said}; retrying`, CohortHookFailure.failed);
}

async function runCommand(req: CohortHookRequest, cmd: CommandCall, resolve: (ref: SecretRef) => Promise<string>): Promise<string> {
  const secretEnv = await resolveAll(cmd.secretEnv, resolve);
  const env: NodeJS.ProcessEnv = {};
  for (const name of INHERITED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name];
  Object.assign(env, cmd.env, secretEnv, { DRILLCTL_HOOK: req.hook, DRILLCTL_HOOK_DIRECTION: req.direction, DRILLCTL_HOOK_KEY: req.idempotencyKey, DRILLCTL_ROLLOUT_STEP: req.step });
  const [program, ...args] = cmd.argv;
  const timeoutMs = durationMs(cmd.timeout);
  // No shell: argv goes to the program as written, so nothing in the plan is ever interpreted.
  const child = spawn(program!, args, { cwd: cmd.cwd, env, shell: false, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (d: Buffer): void => {
    output = (output + d.toString()).slice(-OUTPUT_LIMIT);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const ticker = setInterval(() => beat({ hook: req.hook, direction: req.direction }), 2000);
  const cancel = abortSignal();
  const kill = (): void => {
    child.kill('SIGKILL');
  };
  cancel?.addEventListener('abort', kill);
  const timer = setTimeout(kill, timeoutMs);
  const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: NodeJS.ErrnoException }>((resolveExit) => {
    child.once('error', (error: NodeJS.ErrnoException) => resolveExit({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolveExit({ code, signal }));
  });
  clearTimeout(timer);
  clearInterval(ticker);
  cancel?.removeEventListener('abort', kill);
  const shown = redact(output, Object.values(secretEnv));
  const what = `cohort hook ${req.hook} (${req.direction}): ${cmd.argv.join(' ')}`;
  if (result.error?.code === 'ENOENT') throw ApplicationFailure.nonRetryable(`${what}: program ${program} not found${cmd.cwd ? ` (cwd ${cmd.cwd})` : ''}; fix its argv in the worker's config`, CohortHookFailure.notFound);
  if (result.error) throw ApplicationFailure.retryable(`${what}: could not start: ${result.error.message}`, CohortHookFailure.failed);
  if (result.code === 0) return `${cmd.argv[0]}: exit 0${shown.trim() ? `: ${lastLine(shown)}` : ''}`;
  const how = result.signal ? `was killed (${result.signal}${result.signal === 'SIGKILL' && !cancel?.aborted ? `, over its ${cmd.timeout} timeout` : ''})` : `exited with ${result.code}`;
  throw ApplicationFailure.retryable(`${what} ${how}${shown.trim() ? `: ${lastLine(shown)}` : ''}`, CohortHookFailure.failed);
}

/**
 * What the named hook runs, from the worker's config and nowhere else: a request carrying its own
 * action (as plans did before hooks were declared in the config), naming an environment or hook
 * the config lacks, or giving parameters the hook does not take, fails before anything runs.
 */
function declaredAction(req: CohortHookRequest, config: Config | undefined): HookAction {
  const what = `cohort hook ${req.hook} (${req.direction})`;
  if ('action' in req) throw ApplicationFailure.nonRetryable(`${what}: the request carries its own action; this worker runs only hooks its config declares (environments.${req.environment}.rollout.hooks)`, CohortHookFailure.unknown);
  const env = config?.environments[req.environment];
  if (!env) throw ApplicationFailure.nonRetryable(`${what}: environment "${req.environment}" is not in this worker's config`, CohortHookFailure.unknown);
  try {
    return resolveHookAction({ name: req.hook, params: req.params }, env.rollout, req.environment, req.direction);
  } catch (err) {
    throw ApplicationFailure.nonRetryable(`${what}: ${(err as Error).message}`, CohortHookFailure.unknown);
  }
}

/**
 * Cohort hooks: the application-level switch that puts a cohort (staff, a 5 % of users) on the
 * candidate, or takes it back, as the worker's config declares it. An HTTP call or a command run without a shell; secrets come as
 * references and are resolved here, into headers or environment variables, never into argv.
 */
export function createCohortActivities(deps: CohortActivityDeps = {}) {
  const resolve = deps.resolveSecret ?? resolveSecret;
  return {
    async runCohortHook(req: CohortHookRequest): Promise<CohortHookOutcome> {
      const action = declaredAction(req, deps.config);
      const detail = action.http ? await runHttp(req, action.http, resolve) : await runCommand(req, action.command!, resolve);
      return { hook: req.hook, direction: req.direction, detail };
    },
  };
}
