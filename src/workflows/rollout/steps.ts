import { ApplicationFailure, CancellationScope, ContinueAsNew, isCancellation, log, upsertSearchAttributes } from '@temporalio/workflow';
import { durationMs, formatDuration } from '../../domain/rollout/duration';
import { DrillOutcome } from '../../temporal/search-attributes';
import { ROLLOUT_ABORTED, type RolloutResult } from '../../contracts/rollout';
import { causeMessage } from '../plumbing/cause-message';
import { RestoreHandOver } from '../plumbing/restore-until-done';
import { awaitApproval } from './approval';
import { bake } from './bake';
import { compensate } from './compensation';
import { carryOn, historyTooLong } from './continue-as-new';
import { finish } from './finish';
import { abortedConclusion, promotedConclusion, type TrafficBefore } from './conclusion';
import { runGates } from './gates';
import { applyHooks } from './hooks';
import { preflight } from './preflight';
import { nowIso, RolloutStop, type RolloutRun } from './run';
import { holdWhilePaused, shift } from './shift';
import { awaitChangeWindow } from './change-window';

/** One step, from the phase it is in (a run continued as new resumes mid-step): gates, approval, shift, hooks, bake. */
async function runStep(run: RolloutRun): Promise<void> {
  const { state, plan, tags } = run;
  const i = state.stepIndex;
  const step = plan.steps[i]!;
  const tag = tags[i];
  if (state.steps.length <= i) {
    const bakeMs = durationMs(step.bake);
    state.steps.push({ name: step.name, percent: step.percent, ...(tag ? { tag } : {}), startedAt: nowIso(), plannedBakeMs: bakeMs, bakeMs, bakedMs: 0, bakeChanges: [], readings: 0, failedReadings: 0, checks: [], tagUrls: {} });
  }
  state.currentStep = step.name;
  const rec = state.steps[i]!;
  if (state.phase === 'gates') {
    run.setPhase('gates', `Step **${step.name}** (${step.percent} %): gates ${step.gates.join(', ') || '(none)'}`);
    await runGates(run, step, i);
    state.phase = 'awaiting-approval';
  }
  if (state.phase === 'awaiting-approval') {
    run.checkStop();
    await awaitApproval(run, step);
    state.phase = 'shifting';
  }
  if (state.phase === 'shifting') {
    // A pause during the wait holds once the window opens; after a pause the window is asked again.
    for (;;) {
      await awaitChangeWindow(run, step, `the shift to ${step.percent} %`);
      if (!state.paused) break;
      await holdWhilePaused(run, `the shift of step ${step.name}`);
    }
    run.checkStop();
    await shift(run, step, tag, rec);
    state.phase = 'hooks';
  }
  if (state.phase === 'hooks') await applyHooks(run, step);
  await bake(run, step, tag, rec);
  rec.completedAt = nowIso();
  run.note('step-completed', `${step.percent} % for ${formatDuration(rec.bakedMs)}${rec.readings ? `, ${rec.readings} reading(s), ${rec.failedReadings} with a failing check` : ''}`);
}

/**
 * The rollout from wherever the run stands to its end: pre-flight, every step, the finish. Anything
 * that ends it early lands in one place, which compensates (non-cancellable) and fails the workflow
 * with the reason and the result.
 */
export async function runRollout(run: RolloutRun): Promise<RolloutResult> {
  const { state, plan, input } = run;
  try {
    // A run that took over a compensation that kept failing goes straight back to it.
    if (state.phase === 'compensating') throw new RolloutStop(state.abortReason ?? 'aborted', state.abortedBy ?? 'rollout');
    if (state.phase === 'preflight') await preflight(run);
    while (state.stepIndex < plan.steps.length) {
      await runStep(run);
      state.stepIndex++;
      if (state.stepIndex < plan.steps.length) {
        state.phase = 'gates';
        if (historyTooLong(run)) await carryOn(run, `after step ${plan.steps[state.stepIndex - 1]!.name}`);
      }
    }
    await finish(run);
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    // Everything that ends a rollout early lands here: a stop (rejection, abort, timeout, analysis,
    // failed gate), a failed traffic change or hook, or the cancellation of the workflow itself.
    const cancelled = isCancellation(err);
    if (cancelled) state.cancelled = true;
    if (err instanceof RolloutStop) run.requestStop(err.reason, err.by);
    else {
      run.requestStop(cancelled ? 'the rollout workflow was cancelled' : `step ${state.currentStep ?? 'pre-flight'} failed: ${causeMessage(err)}`, 'rollout');
      if (!cancelled) log.error('rollout failed; compensating', { error: causeMessage(err) });
    }
    const before: TrafficBefore = { ...state.traffic };
    let unconfirmed: string[];
    try {
      ({ unconfirmed } = await CancellationScope.nonCancellable(() => compensate(run)));
    } catch (e) {
      // Still failing as the history grows long: the next run takes over, holding the lock.
      if (e instanceof RestoreHandOver) await CancellationScope.nonCancellable(() => carryOn(run, 'while compensating'));
      throw e;
    }
    upsertSearchAttributes([{ key: DrillOutcome, value: 'FAIL' }]);
    // A run that took over from a cancelled one was not cancelled itself: it fails, saying who cancelled.
    if (cancelled) throw err;
    // Failures are results: the whole result, with what changed and whether it is back, rides on the failure.
    const ended = abortedConclusion(run, err, before, unconfirmed);
    throw ApplicationFailure.create({
      type: ROLLOUT_ABORTED,
      message: `rollout of ${input.group} in ${input.environment} aborted: ${ended.conclusion.summary}`,
      nonRetryable: true,
      details: [{ ...run.result('aborted'), ...ended }],
    });
  }
  return { ...run.result('promoted'), conclusion: promotedConclusion(run) };
}
