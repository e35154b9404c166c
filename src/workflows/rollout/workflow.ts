import { setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { DrillEnvironment, DrillKind, DrillServiceGroup } from '../../temporal/search-attributes';
import { rolloutStatusQuery, type RolloutInput, type RolloutRequest, type RolloutResult } from '../../contracts/rollout';
import { decidePatchesUpFront } from '../plumbing/patches-up-front';
import { fromWorkerConfig, settings } from '../worker-settings';
import { registerControls } from './controls';
import { initialState, RolloutRun, SKIP_UNCHANGED_STEP_PATCH } from './run';
import { runRollout } from './steps';

/**
 * The patches a rollout may first ask about right after a local activity (see patches-up-front.ts):
 * DrillStep's skip follows the change-window check. Only these: deciding the compensation patches
 * up front too slowed the time-skipping test of a compensation stuck for days from 45 s to minutes,
 * for a reason not yet found.
 */
const ROLLOUT_PATCHES = [SKIP_UNCHANGED_STEP_PATCH];

/**
 * A staged cohort rollout of one service group. Pre-flight
 * (health, one stable revision per service, Ready candidates), then per step: the gates as child
 * drills, the approval, the traffic shift on every service (compensation registered first), the
 * cohort hooks, and the bake with periodic analysis; at 100 % it finishes as the plan says. Any
 * failed gate, failed analysis, rejection, timeout-abort or abort restores the exact pre-rollout
 * traffic on every service and undoes the cohort hooks, durably, and the workflow fails with the
 * reason. It runs under the group's traffic lock (its Workflow ID), so no other traffic-changing
 * workflow can run on the group meanwhile.
 */
export async function stagedRollout(request: RolloutRequest): Promise<RolloutResult> {
  // Status is answered from the start: resolving the settings is a local activity, and a caller may
  // ask meanwhile (`drillctl rollout status` right after `start`). No decision can be signed yet.
  setHandler(rolloutStatusQuery, () => ({
    ...(request.carried ?? initialState(request, workflowInfo().workflowId)),
    stepCount: request.plan.steps.length,
    stepNames: request.plan.steps.map((s) => s.name),
    ...(request.webUiUrl ? { webUiUrl: request.webUiUrl } : {}),
  }));
  decidePatchesUpFront(ROLLOUT_PATCHES);
  const input = await fromWorkerConfig<RolloutInput>(request, () => settings.resolveRollout(request));
  const run = new RolloutRun(input);
  registerControls(run);
  upsertSearchAttributes([
    { key: DrillKind, value: 'rollout' },
    { key: DrillEnvironment, value: input.environment },
    { key: DrillServiceGroup, value: input.group },
  ]);
  return runRollout(run);
}
