import { SETTINGS_FAILURES } from '../settings/errors';
import { TemporalUnreachableError } from '../temporal/connection';
import { paint } from './output';

// Temporal's client errors and ConfigError are recognised by name, not instanceof, so that
// `drillctl --help` loads neither the client library nor the config schema (cold start is measured
// by the benchmark).
const isNamed = (err: unknown, name: string): err is Error & Record<string, unknown> => err instanceof Error && err.name === name;

/** Exit codes scripts can rely on. */
export const ExitCode = {
  ok: 0,
  /** The drill or rollout ran and its verdict is FAIL, or it failed. */
  failed: 1,
  /** Bad usage, config or plan: nothing was started or changed. */
  usage: 2,
  /** Temporal (or another dependency) could not be reached: nothing was started. */
  unavailable: 3,
} as const;

/** A user-facing error: what happened, and the next step. Never printed with a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.usage,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The innermost message of a Temporal failure chain: the one that names the real cause. */
export function rootCauseMessage(err: unknown): string {
  const messages: string[] = [];
  let cur: unknown = err;
  while (cur instanceof Error) {
    if (cur.message) messages.push(cur.message);
    cur = (cur as Error & { cause?: unknown }).cause;
  }
  return messages[messages.length - 1] ?? String(err);
}

/** A hint that fits the config error: the listed fields when there are some, else only what it did not do. */
function configHint(err: Error & Record<string, unknown>): string {
  const count = Array.isArray(err.issues) ? err.issues.length : 0;
  if (count === 0) return 'nothing was started or changed';
  return `fix the ${count === 1 ? 'field' : `${count} fields`} listed above and run the command again; nothing was started or changed`;
}

/** A workflow the worker refused as its first step: its config cannot serve the request. */
function settingsFailure(err: Error): boolean {
  const type = (err as { cause?: { type?: string } }).cause?.type;
  return type !== undefined && SETTINGS_FAILURES.includes(type);
}

export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (isNamed(err, 'ConfigError')) return new CliError(err.message, ExitCode.usage, configHint(err));
  if (isNamed(err, 'WrongRunError')) return new CliError(err.message, ExitCode.usage, String(err.hint));
  if (isNamed(err, 'RunEndedError')) return new CliError(err.message, ExitCode.failed, String(err.hint));
  if (isNamed(err, 'RunStillRunningError')) return new CliError(err.message, ExitCode.usage, String(err.hint));
  if (isNamed(err, 'SigningError')) return new CliError(err.message, ExitCode.usage, String(err.hint));
  if (isNamed(err, 'SettingsError')) return new CliError(err.message, ExitCode.usage, typeof err.hint === 'string' ? err.hint : 'nothing was started');
  if (isNamed(err, 'WorkflowFailedError') && settingsFailure(err)) {
    return new CliError(`refused by the worker: ${rootCauseMessage(err)}`, ExitCode.usage, "the worker's config is the authority; nothing was started or changed");
  }
  if (err instanceof TemporalUnreachableError) {
    return new CliError(err.message, ExitCode.unavailable, 'start one with `drillctl up` (embedded dev server) or set TEMPORAL_ADDRESS / --address to your cluster');
  }
  if (isNamed(err, 'WorkflowExecutionAlreadyStartedError')) {
    return new CliError(`workflow ${String(err.workflowId)} is already running`, ExitCode.failed, 'wait for it to finish or cancel it; only one traffic-changing workflow may run per service group');
  }
  if (isNamed(err, 'ScheduleNotFoundError')) return new CliError(err.message, ExitCode.usage, 'check the schedule id with `drillctl schedule list`');
  if (isNamed(err, 'ScheduleAlreadyRunning')) return new CliError(`a schedule with id ${String(err.scheduleId)} already exists`, ExitCode.usage, 'pass another --id, or delete the old one first');
  if (isNamed(err, 'WorkflowNotFoundError')) return new CliError(err.message, ExitCode.usage, 'check the workflow id with `drillctl list`');
  if (isNamed(err, 'WorkflowUpdateFailedError')) return new CliError(`refused: ${rootCauseMessage(err)}`, ExitCode.failed);
  if (isNamed(err, 'WorkflowFailedError')) return new CliError(`workflow failed: ${rootCauseMessage(err)}`, ExitCode.failed);
  return new CliError(rootCauseMessage(err), ExitCode.failed);
}

export function reportError(err: unknown, json: boolean): number {
  const e = toCliError(err);
  if (json) process.stdout.write(JSON.stringify({ error: e.message, hint: e.hint, exitCode: e.exitCode }) + '\n');
  process.stderr.write(`${paint('red', 'drillctl:', process.stderr)} ${e.message}\n${e.hint ? `${paint('dim', 'hint:', process.stderr)} ${e.hint}\n` : ''}`);
  if (process.env.DRILLCTL_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return e.exitCode;
}
