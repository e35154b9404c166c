import type { WorkflowHandle } from '@temporalio/client';

/**
 * Failures are results: every drill, the gate and rollouts end with the same result shape on
 * failure as on success. A run whose verdict is FAIL fails its workflow (so the Web UI, schedules
 * and Temporal's own workflow_failed metric show it as failed) with a non-retryable
 * ApplicationFailure of one of these types, whose first detail is the whole result.
 */
export const RUN_FAILED = {
  health: 'HealthDrillFailed',
  backupRestore: 'BackupRestoreDrillFailed',
  replay: 'ReplayDrillFailed',
  rollback: 'RollbackDrillFailed',
  gate: 'ReadinessGateFailed',
  rollout: 'RolloutAborted',
} as const;

/** A change to running code: a FAIL verdict fails the workflow with the result (it completed with it before). */
export const FAILURES_ARE_RESULTS_PATCH = 'failures-are-results';

/** One link of a failure's cause chain. */
export interface FailureCause {
  /** The failure type (an ApplicationFailure's type, or the failure class: ActivityFailure, TimeoutFailure...). */
  type: string;
  message: string;
}

/** Something the run changed outside Temporal, and whether it is back as it was. */
export interface RunChange {
  /** What changed, on which resource ("traffic of oa-backend: 100% 00011-v4r -> 100% 00010-kpf"). */
  what: string;
  /** Put back as it was, and read back to prove it; `kept` when the change is the point (an import into a scratch deployment). */
  undone: boolean | 'kept';
  detail?: string;
}

/** How a run ended, in the same shape for every kind, on failure as on success. */
export interface RunConclusion {
  /** One line that leads the human output: what failed, and whether everything is back as it was. */
  summary: string;
  /** Where it failed (a phase or step), when it did. */
  failedAt?: string;
  /** The cause chain of a FAIL, outermost first, down to the root cause. Empty on PASS. */
  causes: FailureCause[];
  /** What the run changed outside Temporal. Empty: nothing was changed. */
  changes: RunChange[];
  /** Every change not meant to stay is back as it was, verified by reading it back (true when nothing changed). */
  restored: boolean;
}

/** A result that carries its conclusion (every kind, from the failures-are-results change on). */
export interface WithConclusion {
  verdict: string;
  conclusion?: RunConclusion;
}

/** Every change that had to be undone was, verified. */
export function everythingRestored(changes: RunChange[]): boolean {
  return changes.every((c) => c.undone !== false);
}

/** The sentence about what changed and whether it is back, for the summary line. */
export function restorationSentence(changes: RunChange[], what = 'Everything it changed'): string {
  if (changes.length === 0) return 'Nothing was changed.';
  const notBack = changes.filter((c) => c.undone === false);
  if (notBack.length) return `NOT RESTORED: ${notBack.map((c) => c.what + (c.detail ? ` (${c.detail})` : '')).join('; ')}.`;
  const kept = changes.filter((c) => c.undone === 'kept');
  return [
    ...(kept.length < changes.length ? [`${what} is back as it was, verified.`] : []),
    ...(kept.length ? [`Kept: ${kept.map((c) => c.what + (c.detail ? ` (${c.detail})` : '')).join('; ')}.`] : []),
  ].join(' ');
}

/** The first line a person reads: `FAIL: <root cause>. <what is back>.` */
export function failureSummary(kind: string, causes: FailureCause[], restoration: string): string {
  const root = causes[causes.length - 1]?.message ?? 'no cause recorded';
  return `${kind} failed: ${root.replace(/\.$/, '')}. ${restoration}`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const RUN_FAILED_TYPES: readonly string[] = Object.values(RUN_FAILED);

/** The result a FAIL carries in its failure's details, if this error (a workflow or child failure) is one. */
export function resultOfFailure<R>(err: unknown): R | undefined {
  let cur: unknown = err;
  for (let depth = 0; isRecord(cur) && depth < 4; depth++, cur = cur.cause) {
    const details = cur.details;
    if (typeof cur.type === 'string' && RUN_FAILED_TYPES.includes(cur.type) && Array.isArray(details) && isRecord(details[0]) && typeof details[0].verdict === 'string') {
      return details[0] as R;
    }
  }
  return undefined;
}

/** The result of a finished run: what it returned, or the result its FAIL carries. Other failures are thrown. */
export async function finishedRun<R>(handle: WorkflowHandle): Promise<R> {
  try {
    return (await handle.result()) as R;
  } catch (err) {
    const result = resultOfFailure<R>(err);
    if (result !== undefined) return result;
    throw err;
  }
}
