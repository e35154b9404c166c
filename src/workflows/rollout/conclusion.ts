import { allocationsEqual, describeAllocation, type TrafficAllocation } from '../../domain/traffic/allocation';
import { failureSummary, restorationSentence, type FailureCause, type RunChange, type RunConclusion } from '../../contracts/run-conclusion';
import { causeChain } from '../plumbing/failure-result';
import { RolloutStop, type RolloutRun } from './run';

/** The traffic the rollout had set on each service when it stopped, before the compensation ran. */
export type TrafficBefore = Record<string, TrafficAllocation>;

/** Why the rollout stopped: a stop (rejection, abort, failed gate or analysis) or a failure, with its chain. */
function rolloutCauses(run: RolloutRun, err: unknown): FailureCause[] {
  const { state } = run;
  if (err instanceof RolloutStop) return [{ type: 'RolloutStopped', message: err.reason }];
  return [{ type: 'RolloutStepFailed', message: `step ${state.currentStep ?? 'pre-flight'} failed` }, ...causeChain(err)];
}

/** What the rollout changed (traffic per service, cohort hooks) and whether each is back, as read after the compensation. */
function rolloutChanges(run: RolloutRun, before: TrafficBefore): RunChange[] {
  const { state } = run;
  const traffic: RunChange[] = state.services
    .filter((s) => before[s.role] && !allocationsEqual(before[s.role]!, s.original))
    .map((s) => {
      const back = allocationsEqual(state.traffic[s.role]!, s.original);
      return {
        what: `traffic of ${s.service}: ${describeAllocation(s.original)} -> ${describeAllocation(before[s.role]!)}`,
        undone: back,
        ...(back ? {} : { detail: `found ${describeAllocation(state.traffic[s.role]!)}` }),
      };
    });
  const hooks: RunChange[] = state.hooksApplied.map((h) => ({ what: `cohort hook ${h.name} (step ${h.step})`, undone: state.compensation === 'done' }));
  return [...traffic, ...hooks];
}

/** The outcome of an aborted rollout, after its compensation; `unconfirmed` lists services the data plane did not confirm. */
export function abortedConclusion(run: RolloutRun, err: unknown, before: TrafficBefore, unconfirmed: string[]): { conclusion: RunConclusion; trafficRestored: boolean } {
  const causes = rolloutCauses(run, err);
  const changes = rolloutChanges(run, before);
  const trafficRestored = run.state.services.every((s) => allocationsEqual(run.state.traffic[s.role]!, s.original));
  const restored = changes.every((c) => c.undone !== false);
  const hooks = run.state.hooksApplied.length;
  const sentence =
    changes.length && restored
      ? `Stable traffic restored on every service, verified${unconfirmed.length ? ` (the data plane did not confirm ${unconfirmed.join(', ')})` : ''}.${hooks ? ` ${hooks} cohort hook(s) undone.` : ''}`
      : restorationSentence(changes);
  return { conclusion: { summary: failureSummary('Rollout', causes, sentence), failedAt: run.state.currentStep ?? 'pre-flight', causes, changes, restored }, trafficRestored };
}

export function promotedConclusion(run: RolloutRun): RunConclusion {
  const summary = run.state.services.map((s) => `${s.service} on ${s.candidate}`).join(', ');
  return { summary: `Rollout promoted: ${summary}.`, causes: [], changes: [], restored: true };
}
