import type { WorkflowHandle } from '@temporalio/client';
import type { BackupRestoreResult } from '../shared/backup-restore';
import type { HealthDrillResult } from '../shared/health';
import type { ReadinessGateResult } from '../shared/readiness-gate';
import type { ReplayDrillResult } from '../shared/replay';
import type { RollbackDrillResult } from '../shared/rollback';
import type { RolloutResult } from '../shared/rollout';
import type { RunKind } from './run-kinds';

/** The result of a finished run, by its kind. */
export type RunResult =
  | { kind: 'health'; result: HealthDrillResult }
  | { kind: 'backup-restore'; result: BackupRestoreResult }
  | { kind: 'replay'; result: ReplayDrillResult }
  | { kind: 'rollback'; result: RollbackDrillResult }
  | { kind: 'readiness-gate'; result: ReadinessGateResult }
  | { kind: 'rollout'; result: RolloutResult };

/** An object a run ended with, whether it completed or failed carrying its result (an aborted rollout does). */
function carriedResult(err: unknown): object | undefined {
  if ((err as Error)?.name !== 'WorkflowFailedError') return undefined;
  const details = (err as { cause?: { details?: unknown[] } }).cause?.details;
  const first = details?.[0];
  return first && typeof first === 'object' && ('verdict' in first || 'outcome' in first) ? first : undefined;
}

/**
 * The recorded result of a finished run. A run that failed with its result in the failure's
 * details (an aborted rollout: verdict, what was restored, the figures so far) gives that result;
 * any other failure is thrown as Temporal reports it.
 */
export async function finishedRunResult(handle: WorkflowHandle, kind: RunKind): Promise<RunResult> {
  let result: unknown;
  try {
    result = await handle.result();
  } catch (err) {
    result = carriedResult(err);
    if (result === undefined) throw err;
  }
  return { kind, result } as RunResult;
}
