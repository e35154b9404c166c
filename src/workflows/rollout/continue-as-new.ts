import { allHandlersFinished, condition, continueAsNew, workflowInfo } from '@temporalio/workflow';
import type { RolloutRequest, RolloutResult } from '../../contracts/rollout';
import type { RolloutRun } from './run';

const DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS = 2000;

/** Whether to continue as new: Temporal suggests it, or history reached the input's limit. */
export function historyTooLong(run: RolloutRun): boolean {
  return workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= (run.input.continueAsNewAfterEvents ?? DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS);
}

/** Continues as a new run with the whole state, so history stays bounded and the audit trail whole. */
export async function carryOn(run: RolloutRun, where: string): Promise<never> {
  const { state } = run;
  run.note('continued-as-new', `${where}: history at ${workflowInfo().historyLength} events; run ${state.runs + 1} carries the state and audit trail`);
  state.runs++;
  await condition(allHandlersFinished);
  return continueAsNew<(request: RolloutRequest) => Promise<RolloutResult>>({ ...run.input, carried: state });
}
