import { condition, patched } from '@temporalio/workflow';
import { describeIdentity, type DecisionIdentity } from '../../domain/decision-signature';
import type { WindowOverrideRequest } from '../../domain/rollout/controls';
import type { RolloutStep } from '../../domain/rollout/plan-schema';
import type { WindowOverrideRecord } from '../../domain/rollout/records';
import { settings } from '../worker-settings';
import { carryOn, historyTooLong } from './continue-as-new';
import { nowIso, type RolloutRun } from './run';

/** Runs recorded before change windows started their traffic changes without asking. */
export const CHANGE_WINDOWS_PATCH = 'rollout-change-windows';

/**
 * Waiting on one timer to the next opening would miss a freeze lifted (or the config changed)
 * meanwhile; asking again this often keeps the worker's current config the authority at a few
 * events per recheck.
 */
const RECHECK_MS = 6 * 3_600_000;

/**
 * Holds a traffic change the rollout starts of its own accord (a step's shift, its rollback gate)
 * to the environment's change windows. The worker is asked, on workflow time, whether a change may
 * start; if not, the rollout waits on a timer to the next opening, says why in its status and the
 * Web UI, and wakes at once for an abort or a signed override. Compensation never comes here:
 * restoring stable traffic is never held back by a window.
 */
export async function awaitChangeWindow(run: RolloutRun, step: RolloutStep, change: string): Promise<void> {
  if (!patched(CHANGE_WINDOWS_PATCH)) return;
  const { state, workflowId } = run;
  for (;;) {
    run.checkStop();
    if ((state.windowOverrides ?? []).some((o) => o.step === step.name)) {
      state.changeWindow = undefined;
      return;
    }
    const verdict = await settings.resolveChangeWindow({ environment: run.input.environment, atMs: Date.now() });
    run.checkStop();
    if (verdict.open) {
      if (state.changeWindow) run.note('window-open', `${state.changeWindow.change} may start: ${verdict.detail}`);
      state.changeWindow = undefined;
      return;
    }
    const before = state.changeWindow;
    const changed = before?.detail !== verdict.detail || before.change !== change || before.step !== step.name;
    if (changed) {
      state.changeWindow = {
        step: step.name,
        change,
        since: before?.step === step.name ? before.since : nowIso(),
        cause: verdict.cause,
        detail: verdict.detail,
        ...(verdict.freeze ? { freeze: verdict.freeze } : {}),
        ...(verdict.nextOpeningAt ? { nextOpeningAt: verdict.nextOpeningAt, nextOpeningLocal: verdict.nextOpeningLocal } : {}),
      };
      run.note('window-wait', `${change} waits: ${verdict.detail}`);
    }
    run.showDetails(`Step **${step.name}** (${step.percent} %): ${change} **waits for the change window**: ${verdict.detail}`, [
      `Override (signed, with a reason): \`drillctl rollout override-window ${workflowId} --step ${step.name} --reason "..." --key FILE\``,
      `Abort: \`drillctl rollout abort ${workflowId} --reason "..."\``,
    ]);
    if (changed && before?.step !== step.name) {
      await run.notify('change-window', `${change} of step ${step.name} waits: ${verdict.detail}. Override (signed): drillctl rollout override-window ${workflowId} --step ${step.name} --reason "..." --key FILE`);
      run.checkStop();
    }
    const untilOpenMs = verdict.nextOpeningMs !== undefined ? verdict.nextOpeningMs - Date.now() : RECHECK_MS;
    const seen = run.wake;
    await condition(() => run.wake !== seen || !!state.abortReason, Math.max(1000, Math.min(untilOpenMs, RECHECK_MS)), { summary: `change window for step ${step.name}` });
    if (historyTooLong(run)) await carryOn(run, `while step ${step.name} waits for the change window`);
  }
}

/** Records a verified override of the current wait (the refusal rules have passed) and wakes the wait. */
export function applyWindowOverride(run: RolloutRun, req: WindowOverrideRequest, identity?: DecisionIdentity): WindowOverrideRecord {
  const { state } = run;
  const wait = state.changeWindow!;
  const record: WindowOverrideRecord = {
    step: wait.step,
    // A run from before signed decisions cannot verify; it says so rather than pass a typed name off as verified.
    by: identity ? identity.principal : `${req.by} (signature not checked)`,
    reason: req.reason,
    ...(identity?.key ? { key: identity.key } : {}),
    at: nowIso(),
    overrode: `${wait.change}: ${wait.detail}`,
  };
  (state.windowOverrides ??= []).push(record);
  run.note('window-overridden', `${req.reason} (lets ${wait.change} start; it was held by ${wait.detail})`, identity ? describeIdentity(identity) : record.by);
  run.wake++;
  return record;
}
