import type { WorkflowHandle } from '@temporalio/client';
import type { BackupRestoreResult } from '../contracts/backup-restore';
import type { HealthDrillResult } from '../contracts/health';
import type { ReadinessGateResult } from '../contracts/readiness-gate';
import type { ReplayDrillResult } from '../contracts/replay';
import type { RollbackDrillResult } from '../contracts/rollback';
import type { RolloutResult } from '../contracts/rollout';
import type { RunKind } from './run-kinds';
import { resultOfFailure } from '../contracts/run-conclusion';

/** The result of a finished run, by its kind. */
export type RunResult =
  | { kind: 'health'; result: HealthDrillResult }
  | { kind: 'backup-restore'; result: BackupRestoreResult }
  | { kind: 'replay'; result: ReplayDrillResult }
  | { kind: 'rollback'; result: RollbackDrillResult }
  | { kind: 'readiness-gate'; result: ReadinessGateResult }
  | { kind: 'rollout'; result: RolloutResult };

/**
 * The recorded result of a finished run. A FAIL fails its workflow with the whole result in the
 * failure's details (verdict, conclusion, what was restored, the figures so far): that result is
 * given; any other failure is thrown as Temporal reports it.
 */
export async function finishedRunResult(handle: WorkflowHandle, kind: RunKind): Promise<RunResult> {
  let result: unknown;
  try {
    result = await handle.result();
  } catch (err) {
    result = resultOfFailure<object>(err);
    if (result === undefined) throw err;
  }
  return { kind, result } as RunResult;
}
