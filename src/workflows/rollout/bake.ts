import { condition } from '@temporalio/workflow';
import { analysisRequest, applyStopRule, evaluateReadings, failingChecks } from '../../domain/rollout/analysis';
import { bakeText } from '../../domain/rollout/details';
import { durationMs, formatDuration } from '../../domain/rollout/duration';
import type { RolloutStep } from '../../domain/rollout/plan-schema';
import { bakeRemainingMs, stepMayProceed } from '../../domain/rollout/progress';
import type { StepRecord } from '../../contracts/rollout';
import { carryOn, historyTooLong } from './continue-as-new';
import { nowIso, type RolloutRun } from './run';

/**
 * The bake of a step: workflow time on the step's traffic (held while paused), with an analysis
 * reading every interval. It ends when the bake is done (or skipped) and no check is failing; a
 * check failing longer than the stop rule stops the rollout.
 */
export async function bake(run: RolloutRun, step: RolloutStep, tag: string | undefined, rec: StepRecord): Promise<void> {
  const { state, input, workflowId } = run;
  if (state.phase !== 'baking') {
    run.setPhase('baking');
    rec.bakeStartedAt = nowIso();
    run.note('bake-started', `${formatDuration(rec.bakeMs)}${step.analysis ? `, analysis every ${step.analysis.interval}, stop after ${step.analysis.stopAfter} failing` : ''}`);
  }
  run.bakeClockMs = Date.now();
  const analysis = step.analysis ? { ...analysisRequest(step.analysis, state.services, rec.tagUrls, tag, step.name), environment: input.environment } : undefined;
  const intervalMs = step.analysis ? durationMs(step.analysis.interval) : Infinity;
  const stopAfterMs = step.analysis ? durationMs(step.analysis.stopAfter) : Infinity;
  // Carried across continue-as-new, so a new run does not take a reading the interval has not reached.
  let nextReadingAtMs = rec.nextReadingAtMs ?? Date.now();
  for (;;) {
    run.checkStop();
    run.accountBake();
    if (analysis && Date.now() >= nextReadingAtMs) {
      const readings = await run.acts.readAnalysis.executeWithOptions({ ...run.options.analysis, summary: `analysis of step ${step.name}, reading ${rec.readings + 1}` }, [analysis]);
      const verdicts = evaluateReadings(analysis, readings);
      const outcome = applyStopRule(state.checks, verdicts, Date.now(), stopAfterMs);
      state.checks = outcome.checks;
      rec.readings++;
      if (verdicts.some((v) => !v.ok)) rec.failedReadings++;
      for (const c of outcome.changes) run.note(c.event, `${c.check}: ${c.detail}`);
      if (outcome.stop) {
        const why = outcome.stop.onNotEnoughData ? 'onNotEnoughData: abort' : `failing for ${formatDuration(outcome.stop.failingForMs)} (stop rule: ${step.analysis!.stopAfter})`;
        run.requestStop(`analysis of step ${step.name}: ${outcome.stop.check} ${why}: ${outcome.stop.detail}`, 'rollout');
      }
      nextReadingAtMs = Date.now() + intervalMs;
      rec.nextReadingAtMs = nextReadingAtMs;
      run.checkStop();
      run.accountBake();
    }
    const progress = { bakeMs: rec.bakeMs, bakedMs: rec.bakedMs, skipped: !!rec.bakeSkipped };
    const decision = stepMayProceed({ bake: progress, failing: failingChecks(state.checks), paused: state.paused });
    if (decision.proceed) break;
    const remainingMs = bakeRemainingMs(progress);
    const headline = state.paused ? `**Paused** by ${state.pausedBy}: step **${step.name}** bake holds at ${bakeText(rec.bakedMs, rec.bakeMs)}` : `Step **${step.name}** baking: ${bakeText(rec.bakedMs, rec.bakeMs)}; waiting for ${decision.waitingFor}`;
    run.showDetails(headline, [`Skip: \`drillctl rollout skip-bake ${workflowId} --reason "..."\``, `Pause: \`drillctl rollout pause ${workflowId}\``], true);
    const waits = [analysis ? nextReadingAtMs - Date.now() : Infinity, !state.paused && remainingMs > 0 ? remainingMs : Infinity];
    const waitMs = Math.max(1, Math.min(...waits));
    const seen = run.wake;
    const woken = (): boolean => run.wake !== seen || !!state.abortReason;
    if (waitMs === Infinity) await condition(woken);
    else await condition(woken, waitMs, { summary: `bake of step ${step.name}` });
    if (historyTooLong(run)) {
      run.accountBake();
      await carryOn(run, `during the bake of step ${step.name}`);
    }
  }
  run.accountBake();
  rec.checks = Object.values(state.checks);
  state.checks = {};
}
