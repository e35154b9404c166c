import { log, patched, upsertSearchAttributes } from '@temporalio/workflow';
import { rolloutServingProbe } from '../../domain/rollout/serving-probe';
import { allocationsEqual, describeAllocation } from '../../domain/traffic/allocation';
import { stuckAlarmDue } from '../../domain/traffic/stuck-alarm';
import { DrillOutcome } from '../../temporal/search-attributes';
import { recordCompensationStuck } from '../metrics';
import { whoCancelled } from '../plumbing/cancel-request';
import { causeMessage } from '../plumbing/cause-message';
import { InFlight } from '../plumbing/in-flight';
import { restoreUntilDone } from '../plumbing/restore-until-done';
import { historyTooLong } from './continue-as-new';
import type { RolloutRun } from './run';

/**
 * Runs from here on start the restore before any notice (the notices go beside it, never in its
 * way), announce a stuck action at the stuck-alarm backoff, and hand a compensation that keeps
 * failing to a new run (continue-as-new) before the history grows long.
 */
export const COMPENSATION_PATCH = 'rollout-compensation-cannot-be-abandoned';

/** Retries one compensation action until it succeeds, loudly: its failure is never swallowed. */
function untilDone<T>(run: RolloutRun, what: string, action: () => Promise<T>, notices: InFlight): Promise<T> {
  const { state, input } = run;
  const attempts = (state.compensationAttempts ??= {});
  return restoreUntilDone(what, action, {
    previousAttempts: attempts[what] ?? 0,
    failed: async (attempt, message) => {
      state.compensation = 'stuck';
      recordCompensationStuck(input, true);
      state.compensationDetail = `${what}: attempt ${attempt} failed: ${message}`;
      run.showDetails(`**COMPENSATION FAILING**: ${state.compensationDetail}. Retrying until it succeeds; fix the cause (permissions, the hook's endpoint) and it will complete.`);
      if (!patched(COMPENSATION_PATCH)) {
        // Runs recorded before the patch announced every attempt and awaited the first notice.
        log.error(`ROLLOUT COMPENSATION FAILING: ${state.compensationDetail}; retrying until it succeeds`, { workflowId: run.workflowId });
        upsertSearchAttributes([{ key: DrillOutcome, value: 'COMPENSATION_STUCK' }]);
        run.note('compensation', state.compensationDetail);
        if (attempt === 1) await run.notify('compensation-stuck', `${state.compensationDetail}. It is retried until it succeeds; fix the cause.`);
        return;
      }
      attempts[what] = attempt;
      const alarm = (state.stuckAlarm ??= { raised: 0 });
      if (!stuckAlarmDue(alarm, Date.now())) {
        log.warn(`rollout compensation failed again: ${state.compensationDetail}`, { workflowId: run.workflowId });
        return;
      }
      alarm.raised++;
      alarm.lastRaisedAtMs = Date.now();
      log.error(`ROLLOUT COMPENSATION FAILING: ${state.compensationDetail}; retrying until it succeeds`, { workflowId: run.workflowId });
      upsertSearchAttributes([{ key: DrillOutcome, value: 'COMPENSATION_STUCK' }]);
      run.note('compensation', state.compensationDetail);
      notices.track(run.notify('compensation-stuck', `${state.compensationDetail}. It is retried until it succeeds, and the group stays locked meanwhile; fix the cause.`));
    },
    recovered: () => {
      state.compensation = 'running';
      recordCompensationStuck(input, false);
    },
    handOver: () => patched(COMPENSATION_PATCH) && historyTooLong(run) && notices.mayHandOver(),
  });
}

/** Every service back on its exact pre-rollout traffic, one after the other; a service already back (an earlier run restored it) is skipped. */
async function restoreTraffic(run: RolloutRun, notices: InFlight, resuming: boolean): Promise<void> {
  const { state, input, acts, options, settleTimeoutMs } = run;
  for (const s of [...state.services].reverse()) {
    if (resuming && allocationsEqual(state.traffic[s.role]!, s.original)) continue;
    const out = await untilDone(
      run,
      `restore ${s.service} to ${describeAllocation(s.original)}`,
      () =>
        acts.restoreTraffic.executeWithOptions({ ...options.change, retry: { ...options.change.retry, maximumAttempts: 3 }, summary: `compensate: restore ${s.service} to ${describeAllocation(s.original)}` }, [
          { cloudRun: input.cloudRun, service: s.service, allocation: s.original, settleTimeoutMs },
        ]),
      notices,
    );
    state.traffic[s.role] = out.snapshot.traffic;
  }
}

/**
 * Puts everything back: the exact pre-rollout traffic on every service, then the cohort hooks
 * undone, newest first. Runs non-cancellable (the caller's scope) and retries each action until it
 * succeeds. A run that took over a compensation (state.compensation running or stuck) goes on from
 * where the last one stopped. The "aborted" notice, and for a cancelled workflow the look-up of who
 * cancelled it, start once the restore has, and never hold it up.
 */
export async function compensate(run: RolloutRun): Promise<{ unconfirmed: string[] }> {
  const { state, input, plan, acts, options, workflowId, settleTimeoutMs } = run;
  const resuming = state.compensation === 'running' || state.compensation === 'stuck';
  const reason = state.abortReason ?? 'aborted';
  run.setPhase('compensating', `**Aborting**: ${reason}. Restoring stable traffic on every service and undoing cohort hooks.`);
  const touched = state.compensation !== 'not-needed' || state.hooksApplied.length > 0;
  const abortedText = (why: string): string => `${why}. ${touched ? 'Restoring stable traffic on every service and undoing the cohort hooks.' : 'Nothing had changed yet.'}`;
  const beside = patched(COMPENSATION_PATCH);
  const notices = new InFlight();
  if (!resuming && (!beside || !touched)) {
    run.note('aborted', reason, state.abortedBy);
    await run.notify('aborted', abortedText(reason));
  }
  if (!touched) {
    run.setPhase('aborted', `Rollout **aborted** before any change: ${reason}`);
    return { unconfirmed: [] };
  }
  if (!resuming) state.compensation = 'running';
  else if (state.compensation === 'stuck') upsertSearchAttributes([{ key: DrillOutcome, value: 'COMPENSATION_STUCK' }]);
  // Traffic first: users back on the stable revisions is what protects them; then the cohort
  // switches, newest first, each undone even if its `do` only half ran.
  const restoring = restoreTraffic(run, notices, resuming);
  let named: Promise<void> = Promise.resolve();
  if (beside && !resuming) {
    restoring.catch(() => undefined);
    const who = state.cancelled ? whoCancelled(acts) : undefined;
    named = (async () => {
      if (who) {
        const canceller = await who;
        state.abortReason = `the rollout workflow was cancelled by ${canceller.description}`;
        state.abortedBy = canceller.by;
      }
      run.note('aborted', state.abortReason ?? reason, state.abortedBy);
    })();
    notices.track(named.then(() => run.notify('aborted', abortedText(state.abortReason ?? reason))));
  }
  try {
    await restoring;
  } catch (err) {
    // Handed over to a new run (or worse): the record of who stopped the rollout goes with it.
    await named;
    throw err;
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
  const undone = (state.hooksUndone ??= []);
  for (const applied of [...state.hooksApplied].reverse()) {
    const hook = plan.steps.find((s) => s.name === applied.step)?.hooks.find((h) => h.name === applied.name);
    if (!hook || undone.includes(`${applied.step}/${hook.name}`)) continue;
    const out = await untilDone(
      run,
      `undo cohort hook ${hook.name}`,
      () =>
        acts.runCohortHook.executeWithOptions({ ...options.hook, retry: { initialInterval: '2s', maximumAttempts: 3 }, summary: `compensate: cohort hook ${hook.name}: undo` }, [
          { workflowId, environment: input.environment, step: applied.step, hook: hook.name, params: hook.params, direction: 'undo', idempotencyKey: `${workflowId}/${applied.step}/${hook.name}/undo` },
        ]),
      notices,
    );
    undone.push(`${applied.step}/${hook.name}`);
    run.note('hook', `${hook.name} undone: ${out.detail}`);
  }
  state.compensation = 'done';
  state.compensationDetail = undefined;
  run.setPhase('aborted', `Rollout **aborted**: ${state.abortReason ?? reason}. Stable traffic restored on every service; cohort hooks undone.`);
  run.note('compensated', state.services.map((s) => `${s.service}: ${describeAllocation(state.traffic[s.role]!)}`).join('; '));
  // The notices sent beside the restore go first, so people read them in order.
  await notices.all();
  await run.notify('compensated', `Stable traffic restored on every service (${state.services.map((s) => `${s.service} on ${s.stable}`).join(', ')}); ${state.hooksApplied.length} cohort hook(s) undone. Cause: ${state.abortReason ?? reason}`);
  return { unconfirmed: seen.flatMap((r, i) => (r.status === 'rejected' ? [state.services[i]!.service] : [])) };
}
