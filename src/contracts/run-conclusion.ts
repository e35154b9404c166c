import type { WorkflowHandle } from '@temporalio/client';

export type { FailureCause, RunChange, RunConclusion, WithConclusion } from '../domain/results/conclusion';
export { everythingRestored, failureSummary, restorationSentence } from '../domain/results/conclusion';

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
