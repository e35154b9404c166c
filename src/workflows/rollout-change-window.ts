import { condition, patched } from '@temporalio/workflow';
import { describeIdentity, type DecisionIdentity } from '../domain/decision-signature';
import type { WindowOverrideRequest } from '../domain/rollout/controls';
import type { RolloutStep } from '../domain/rollout/plan-schema';
import type { TimelineEntry, TimelineEvent, WindowOverrideRecord } from '../domain/rollout/records';
import type { RolloutState } from '../shared/rollout';
import { settings } from './worker-settings';

/** Runs recorded before change windows started their traffic changes without asking. */
export const CHANGE_WINDOWS_PATCH = 'rollout-change-windows';

/**
 * Waiting on one timer to the next opening would miss a freeze lifted (or the config changed)
 * meanwhile; asking again this often keeps the worker's current config the authority at a few
 * events per recheck.
 */
const RECHECK_MS = 6 * 3_600_000;

export interface ChangeWindowDeps {
  state: RolloutState;
  environment: string;
  workflowId: string;
  note: (event: TimelineEvent, detail: string, by?: string) => TimelineEntry;
  showDetails: (headline: string, notes: string[]) => void;
  /** The rollout's wake counter: every control bumps it, so a wait wakes up and decides again. */
  wakeCount: () => number;
  wake: () => void;
  checkStop: () => void;
  /** Continues as a new run when history has grown long; returns otherwise. */
  carryOnIfLong: (where: string) => Promise<void>;
}

/**
 * Holds a rollout's traffic changes to the environment's change windows: before a step's shift
 * (and its rollback gate, which moves traffic too) the worker is asked, on workflow time, whether
 * a change may start; if not, the rollout waits on a timer to the next opening, says why in its
 * status and the Web UI, and wakes at once for an abort or a signed override. Compensation never
 * comes here: restoring stable traffic is never held back by a window.
 */
export function changeWindowGuard(d: ChangeWindowDeps) {
  const { state } = d;
  const nowIso = (): string => new Date().toISOString();

  async function awaitOpen(step: RolloutStep, change: string): Promise<void> {
    if (!patched(CHANGE_WINDOWS_PATCH)) return;
    for (;;) {
      d.checkStop();
      if ((state.windowOverrides ?? []).some((o) => o.step === step.name)) {
        state.changeWindow = undefined;
        return;
      }
      const verdict = await settings.resolveChangeWindow({ environment: d.environment, atMs: Date.now() });
      d.checkStop();
      if (verdict.open) {
        if (state.changeWindow) d.note('window-open', `${state.changeWindow.change} may start: ${verdict.detail}`);
        state.changeWindow = undefined;
        return;
      }
      const before = state.changeWindow;
      if (before?.detail !== verdict.detail || before.change !== change || before.step !== step.name) {
        state.changeWindow = {
          step: step.name,
          change,
          since: before?.step === step.name ? before.since : nowIso(),
          cause: verdict.cause,
          detail: verdict.detail,
          ...(verdict.freeze ? { freeze: verdict.freeze } : {}),
          ...(verdict.nextOpeningAt ? { nextOpeningAt: verdict.nextOpeningAt, nextOpeningLocal: verdict.nextOpeningLocal } : {}),
        };
        d.note('window-wait', `${change} waits: ${verdict.detail}`);
      }
      d.showDetails(`Step **${step.name}** (${step.percent} %): ${change} **waits for the change window**: ${verdict.detail}`, [
        `Override (signed, with a reason): \`drillctl rollout override-window ${d.workflowId} --step ${step.name} --reason "..." --key FILE\``,
        `Abort: \`drillctl rollout abort ${d.workflowId} --reason "..."\``,
      ]);
      const untilOpenMs = verdict.nextOpeningMs !== undefined ? verdict.nextOpeningMs - Date.now() : RECHECK_MS;
      const seen = d.wakeCount();
      await condition(() => d.wakeCount() !== seen || !!state.abortReason, Math.max(1000, Math.min(untilOpenMs, RECHECK_MS)), { summary: `change window for step ${step.name}` });
      await d.carryOnIfLong(`while step ${step.name} waits for the change window`);
    }
  }

  /** Records a verified override of the current wait; the refusal rules have already passed. */
  function applyOverride(req: WindowOverrideRequest, identity?: DecisionIdentity): WindowOverrideRecord {
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
    d.note('window-overridden', `${req.reason} (lets ${wait.change} start; it was held by ${wait.detail})`, identity ? describeIdentity(identity) : record.by);
    d.wake();
    return record;
  }

  return { awaitOpen, applyOverride };
}
