import { Context, heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../../domain/config/schema';
import { CohortHookFailure } from '../../domain/failure-types';
import { durationMs } from '../../domain/rollout/duration';
import { resolveHookAction } from '../../domain/rollout/hook-resolution';
import type { CommandCall, HookAction, HttpCall } from '../../domain/rollout/hook-schema';
import type { SecretRef } from '../../domain/secret-ref';
import { childEnvironment, runChildProcess } from '../child-process';
import { knownSecrets, redactedExcerpt } from '../redaction';
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

export interface CohortActivityDeps {
  resolveSecret?: (ref: SecretRef) => Promise<string>;
  /** The worker's config: the only source of what a hook runs. Without one, every hook is unknown. */
  config?: Config;
}

const OUTPUT_LIMIT = 64 * 1024;

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

async function resolveAll(refs: Record<string, SecretRef>, resolve: (ref: SecretRef) => Promise<string>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, ref] of Object.entries(refs)) out[name] = await resolve(ref);
  return out;
}

/** The last line a hook printed (already redacted), shortened for a message. */
function lastLine(text: string): string {
  const lines = text.trim().split(/\r?\n/);
  return redactedExcerpt(lines[lines.length - 1] ?? '', []);
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
  const body = await res.text();
  const ok = call.expectStatus ? call.expectStatus.includes(res.status) : res.status >= 200 && res.status < 300;
  if (ok) return `${call.method} ${call.url}: HTTP ${res.status}`;
  // Only a short excerpt: a hook's error page may echo headers, tokens or user data.
  const excerpt = redactedExcerpt(body, knownSecrets(Object.values(secretHeaders)));
  const said = `${call.method} ${call.url} answered HTTP ${res.status}${excerpt ? `: ${excerpt}` : ''}`;
  // A 4xx (other than timeouts and rate limits) is the hook's configuration: retrying repeats it.
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
    throw ApplicationFailure.nonRetryable(`cohort hook ${req.hook} (${req.direction}): ${said}; fix the hook in the worker's config`, CohortHookFailure.rejected);
  }
  throw ApplicationFailure.retryable(`cohort hook ${req.hook} (${req.direction}): ${said}; retrying`, CohortHookFailure.failed);
}

async function runCommand(req: CohortHookRequest, cmd: CommandCall, resolve: (ref: SecretRef) => Promise<string>): Promise<string> {
  const secretEnv = await resolveAll(cmd.secretEnv, resolve);
  const env = childEnvironment({ set: { ...cmd.env, ...secretEnv, DRILLCTL_HOOK: req.hook, DRILLCTL_HOOK_DIRECTION: req.direction, DRILLCTL_HOOK_KEY: req.idempotencyKey, DRILLCTL_ROLLOUT_STEP: req.step } });
  const [program] = cmd.argv;
  const cancel = abortSignal();
  const result = await runChildProcess({
    argv: cmd.argv,
    cwd: cmd.cwd,
    env,
    secrets: Object.values(secretEnv),
    timeoutMs: durationMs(cmd.timeout),
    signal: cancel,
    maxOutputChars: OUTPUT_LIMIT,
    onProgress: () => beat({ hook: req.hook, direction: req.direction }),
    progressIntervalMs: 2000,
  });
  const shown = result.output;
  const what = `cohort hook ${req.hook} (${req.direction}): ${cmd.argv.join(' ')}`;
  if (result.spawnError?.code === 'ENOENT') throw ApplicationFailure.nonRetryable(`${what}: program ${program} not found${cmd.cwd ? ` (cwd ${cmd.cwd})` : ''}; fix its argv in the worker's config`, CohortHookFailure.notFound);
  if (result.spawnError) throw ApplicationFailure.retryable(`${what}: could not start: ${result.spawnError.message}`, CohortHookFailure.failed);
  if (result.exitCode === 0) return `${cmd.argv[0]}: exit 0${shown.trim() ? `: ${lastLine(shown)}` : ''}`;
  const how = result.timedOut ? `was killed (${result.signal ?? 'SIGKILL'}, over its ${cmd.timeout} timeout)` : result.signal ? `was killed (${result.signal})` : `exited with ${result.exitCode}`;
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
