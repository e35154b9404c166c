import { ActivityFailure, CancellationScope, upsertSearchAttributes } from '@temporalio/workflow';
import { finishAllocation } from '../../domain/rollout/traffic-split';
import { allocationsEqual, describeAllocation } from '../../domain/traffic/allocation';
import { DrillOutcome } from '../../temporal/search-attributes';
import { causeMessage } from '../plumbing/cause-message';
import type { RolloutRun } from './run';

/** After the last step: traffic as the plan's `finish` says (LATEST or pinned), compensation released. */
export async function finish(run: RolloutRun): Promise<void> {
  const { state, input, plan, tags, acts, options, settleTimeoutMs } = run;
  const lastTag = tags[tags.length - 1];
  run.setPhase('finishing', `All steps done: finishing (${plan.finish.traffic === 'latest' ? 'traffic follows LATEST' : 'traffic stays pinned to the candidates'})`);
  const problems: string[] = [];
  for (const s of state.services) {
    const to = finishAllocation(s, plan.finish, lastTag);
    if (allocationsEqual(state.traffic[s.role]!, to)) continue;
    try {
      const out = await CancellationScope.nonCancellable(() =>
        acts.shiftTraffic.executeWithOptions({ ...options.change, summary: `finish: ${s.service} to ${describeAllocation(to)}` }, [{ cloudRun: input.cloudRun, service: s.service, from: state.traffic[s.role]!, to, settleTimeoutMs }]),
      );
      state.traffic[s.role] = out.snapshot.traffic;
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      // The candidate already serves 100 %, pinned: safe to leave as it is, and say so.
      problems.push(`${s.service} stays pinned to ${s.candidate}: ${causeMessage(err)}`);
    }
  }
  state.compensation = 'released';
  state.currentStep = undefined;
  run.setPhase('completed', `Rollout **finished**: every service on its candidate.`);
  upsertSearchAttributes([{ key: DrillOutcome, value: 'PASS' }]);
  const summary = state.services.map((s) => `${s.service}: ${describeAllocation(state.traffic[s.role]!)}`).join('; ');
  run.note('finished', `${summary}${problems.length ? `; ${problems.join('; ')}` : ''}`);
  await run.notify('finished', `Every service serves its candidate (${summary}).${problems.length ? ` Note: ${problems.join('; ')}` : ''}`);
}
