import { log, upsertSearchAttributes } from '@temporalio/workflow';
import { rolloutServingProbe } from '../../domain/rollout/serving-probe';
import { describeAllocation } from '../../domain/traffic/allocation';
import { DrillOutcome } from '../../temporal/search-attributes';
import { recordCompensationStuck } from '../metrics';
import { causeMessage } from '../plumbing/cause-message';
import { restoreUntilDone } from '../plumbing/restore-until-done';
import type { RolloutRun } from './run';

/** Retries one compensation action until it succeeds, loudly: its failure is never swallowed. */
function untilDone<T>(run: RolloutRun, what: string, action: () => Promise<T>): Promise<T> {
  const { state, input } = run;
  return restoreUntilDone(what, action, {
    failed: async (attempt, message) => {
      state.compensation = 'stuck';
      recordCompensationStuck(input, true);
      state.compensationDetail = `${what}: attempt ${attempt} failed: ${message}`;
      log.error(`ROLLOUT COMPENSATION FAILING: ${state.compensationDetail}; retrying until it succeeds`, { workflowId: run.workflowId });
      upsertSearchAttributes([{ key: DrillOutcome, value: 'COMPENSATION_STUCK' }]);
      run.showDetails(`**COMPENSATION FAILING**: ${state.compensationDetail}. Retrying until it succeeds; fix the cause (permissions, the hook's endpoint) and it will complete.`);
      run.note('compensation', state.compensationDetail);
      if (attempt === 1) await run.notify('compensation-stuck', `${state.compensationDetail}. It is retried until it succeeds; fix the cause.`);
    },
    recovered: () => {
      state.compensation = 'running';
      recordCompensationStuck(input, false);
    },
  });
}

/**
 * Puts everything back: the exact pre-rollout traffic on every service, then the cohort hooks
 * undone, newest first. Runs non-cancellable (the caller's scope) and retries each action until it
 * succeeds.
 */
export async function compensate(run: RolloutRun): Promise<{ unconfirmed: string[] }> {
  const { state, input, plan, acts, options, workflowId, settleTimeoutMs } = run;
  const reason = state.abortReason ?? 'aborted';
  run.setPhase('compensating', `**Aborting**: ${reason}. Restoring stable traffic on every service and undoing cohort hooks.`);
  run.note('aborted', reason, state.abortedBy);
  const touched = state.compensation !== 'not-needed' || state.hooksApplied.length > 0;
  await run.notify('aborted', `${reason}. ${touched ? 'Restoring stable traffic on every service and undoing the cohort hooks.' : 'Nothing had changed yet.'}`);
  if (!touched) {
    run.setPhase('aborted', `Rollout **aborted** before any change: ${reason}`);
    return { unconfirmed: [] };
  }
  state.compensation = 'running';
  // Traffic first: users back on the stable revisions is what protects them; then the cohort
  // switches, newest first, each undone even if its `do` only half ran.
  for (const s of [...state.services].reverse()) {
    const out = await untilDone(run, `restore ${s.service} to ${describeAllocation(s.original)}`, () =>
      acts.restoreTraffic.executeWithOptions({ ...options.change, retry: { ...options.change.retry, maximumAttempts: 3 }, summary: `compensate: restore ${s.service} to ${describeAllocation(s.original)}` }, [
        { cloudRun: input.cloudRun, service: s.service, allocation: s.original, settleTimeoutMs },
      ]),
    );
    state.traffic[s.role] = out.snapshot.traffic;
  }
  const seen = await Promise.allSettled(
    state.services.map((s) =>
      acts.probeServingRevision.executeWithOptions({ ...options.probe, summary: `compensate: ${s.stable} serving ${s.service}` }, [
        rolloutServingProbe(s, s.url, [s.stable], { cloudRun: input.cloudRun, allocation: s.original }, { ...input.traffic, deadlineMs: Date.now() + settleTimeoutMs }),
      ]),
    ),
  );
  const unseen = seen.flatMap((r, i) => (r.status === 'rejected' ? [`${state.services[i]!.service}: ${causeMessage(r.reason)}`] : []));
  run.note('compensation', `traffic restored on every service${unseen.length ? `; the data plane did not confirm: ${unseen.join('; ')}` : ', stable revisions confirmed serving'}`);
  for (const applied of [...state.hooksApplied].reverse()) {
    const hook = plan.steps.find((s) => s.name === applied.step)?.hooks.find((h) => h.name === applied.name);
    if (!hook) continue;
    const out = await untilDone(run, `undo cohort hook ${hook.name}`, () =>
      acts.runCohortHook.executeWithOptions({ ...options.hook, retry: { initialInterval: '2s', maximumAttempts: 3 }, summary: `compensate: cohort hook ${hook.name}: undo` }, [
        { workflowId, environment: input.environment, step: applied.step, hook: hook.name, params: hook.params, direction: 'undo', idempotencyKey: `${workflowId}/${applied.step}/${hook.name}/undo` },
      ]),
    );
    run.note('hook', `${hook.name} undone: ${out.detail}`);
  }
  state.compensation = 'done';
  state.compensationDetail = undefined;
  run.setPhase('aborted', `Rollout **aborted**: ${reason}. Stable traffic restored on every service; cohort hooks undone.`);
  run.note('compensated', state.services.map((s) => `${s.service}: ${describeAllocation(state.traffic[s.role]!)}`).join('; '));
  await run.notify('compensated', `Stable traffic restored on every service (${state.services.map((s) => `${s.service} on ${s.stable}`).join(', ')}); ${state.hooksApplied.length} cohort hook(s) undone. Cause: ${reason}`);
  return { unconfirmed: seen.flatMap((r, i) => (r.status === 'rejected' ? [state.services[i]!.service] : [])) };
}
