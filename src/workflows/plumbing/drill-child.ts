import { executeChild, type ChildWorkflowOptions } from '@temporalio/workflow';
import type { GateDrill, GateDrillRequests, GateDrillResults } from '../../contracts/readiness-gate';
import { backupRestoreDrill } from '../backup-restore';
import { healthDrill } from '../health';
import { replayDrill } from '../replay';
import { rollbackDrill } from '../rollback';

/** Each drill's workflow function, typed by its request and result. */
const DRILL_WORKFLOWS: { [D in GateDrill]: (request: GateDrillRequests[D]) => Promise<GateDrillResults[D]> } = {
  health: healthDrill,
  backupRestore: backupRestoreDrill,
  replay: replayDrill,
  rollback: rollbackDrill,
};

/**
 * Runs a drill as a child workflow (started under its workflow function's name, as the readiness
 * gate and the rollout's gates always have) and returns its typed result.
 */
export function executeDrill<D extends GateDrill>(drill: D, request: GateDrillRequests[D], options: Omit<ChildWorkflowOptions, 'args' | 'typeInfo'>): Promise<GateDrillResults[D]> {
  const workflow: (request: GateDrillRequests[D]) => Promise<GateDrillResults[D]> = DRILL_WORKFLOWS[drill];
  return executeChild(workflow, { ...options, args: [request] });
}
