import { CancellationScope, condition, patched } from '@temporalio/workflow';
import type { RolloutStep } from '../../domain/rollout/plan-schema';
import type { RolloutService } from '../../domain/rollout/records';
import { rolloutServingProbe } from '../../domain/rollout/serving-probe';
import { servingRevisionsAt, stepAllocation } from '../../domain/rollout/traffic-split';
import { describeAllocation } from '../../domain/traffic/allocation';
import type { StepRecord } from '../../contracts/rollout';
import { nowIso, type RolloutRun } from './run';

/** Runs recorded before a step's data-plane probes ran as one activity. */
export const ONE_PROBE_ACTIVITY_PATCH = 'rollout-one-probe-activity';

/** A paused rollout starts no traffic change until it is resumed (or aborted). */
export async function holdWhilePaused(run: RolloutRun, what: string): Promise<void> {
  const { state } = run;
  if (!state.paused) return;
  run.showDetails(`**Paused** by ${state.pausedBy}; ${what} waits`, [`Resume: \`drillctl rollout resume ${run.workflowId}\``]);
  await condition(() => !state.paused || !!state.abortReason);
  run.checkStop();
}

/** Shifts every service to the step's split, then waits until the data plane serves it (the service URL, and the tag URL where there is one). */
export async function shift(run: RolloutRun, step: RolloutStep, tag: string | undefined, rec: StepRecord): Promise<void> {
  const { state, input, acts, options, settleTimeoutMs } = run;
  run.setPhase('shifting', `Step **${step.name}**: shifting every service to ${step.percent} % on the candidate`);
  // Compensation is registered before the first mutation: from here on an abort restores.
  if (state.compensation === 'not-needed') state.compensation = 'armed';
  for (const s of state.services) {
    const to = stepAllocation(s, step.percent, tag);
    // Started shifts finish before any restore runs, or the two could race on the service.
    const out = await CancellationScope.nonCancellable(() =>
      acts.shiftTraffic.executeWithOptions({ ...options.change, summary: `step ${step.name}: ${s.service} to ${describeAllocation(to)}` }, [
        { cloudRun: input.cloudRun, service: s.service, from: state.traffic[s.role]!, to, settleTimeoutMs },
      ]),
    );
    state.traffic[s.role] = out.snapshot.traffic;
    const uri = tag ? out.snapshot.trafficStatuses.find((t) => t.tag === tag)?.uri : undefined;
    if (uri) rec.tagUrls[s.role] = uri;
  }
  // The control plane says done; the data plane must agree before the cohort is told anything.
  const deadlineMs = Date.now() + settleTimeoutMs;
  const probe = (s: RolloutService, url: string, expected: string[], what: string) => ({
    what,
    summary: `${expected.join(' or ')} serving at ${url}`,
    request: rolloutServingProbe(s, url, expected, { cloudRun: input.cloudRun, allocation: state.traffic[s.role]! }, { ...input.traffic, deadlineMs }),
  });
  const probes = state.services.flatMap((s) => [
    probe(s, s.url, servingRevisionsAt(s, step.percent), `step ${step.name}: ${s.service}`),
    ...(rec.tagUrls[s.role] ? [probe(s, rec.tagUrls[s.role]!, [s.candidate], `step ${step.name}: ${s.service} tag ${tag}`)] : []),
  ]);
  // One activity for every probe of the step; histories recorded before ran one per URL.
  if (patched(ONE_PROBE_ACTIVITY_PATCH)) {
    await acts.probeServingRevisions.executeWithOptions({ ...options.probe, summary: `step ${step.name}: ${probes.map((p) => p.summary).join('; ')}` }, [probes.map((p) => p.request)]);
  } else {
    await Promise.all(probes.map((p) => acts.probeServingRevision.executeWithOptions({ ...options.probe, summary: `${p.what}: ${p.summary}` }, [p.request])));
  }
  rec.shiftedAt = nowIso();
  run.note('shifted', state.services.map((s) => `${s.service}: ${describeAllocation(state.traffic[s.role]!)}`).join('; '));
}
