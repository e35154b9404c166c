import { changeWindowVerdict, formatLocal, nextOpening, type CompiledChangeWindows } from '../change-window';
import { durationMs, formatDuration } from './duration';
import type { RolloutPlan } from './plan-schema';

/** When a step's traffic shift could start under the environment's change windows. */
export interface StepOpening {
  /** ISO instant, absent when nothing opens within two years. */
  couldStartAt?: string;
  /** The same on the windows' wall clock: `Mon 2026-12-21 09:00 Europe/Berlin`. */
  couldStartLocal?: string;
  /** How long the step would wait for the window after its turn comes (0: it is open then). */
  waitMs: number;
  /** What holds it, naming the freeze or the windows; absent when it is open at its turn. */
  heldBy?: string;
}

/**
 * Each step's earliest start if the rollout started at `fromMs` and every gate and approval were
 * instant: a step's turn comes when the bake before it ends, and its shift waits for the next
 * opening from there. Gates and people only push these later.
 */
export function stepOpenings(plan: RolloutPlan, windows: CompiledChangeWindows, fromMs: number): StepOpening[] {
  let turnMs = fromMs;
  return plan.steps.map((step) => {
    const verdict = changeWindowVerdict(windows, turnMs);
    const opening = verdict.open ? turnMs : nextOpening(windows, turnMs);
    const out: StepOpening = {
      ...(opening !== undefined ? { couldStartAt: new Date(opening).toISOString(), couldStartLocal: formatLocal(opening, windows.timeZone) } : {}),
      waitMs: opening === undefined ? Infinity : opening - turnMs,
      ...(verdict.open ? {} : { heldBy: verdict.held }),
    };
    turnMs = (opening ?? turnMs) + durationMs(step.bake);
    return out;
  });
}

/** The line `rollout plan` prints under a step. */
export function openingText(o: StepOpening): string {
  if (!o.couldStartLocal) return `could start: never within two years (${o.heldBy})`;
  return o.waitMs === 0 ? `could start: ${o.couldStartLocal} (its turn; the window is open)` : `could start: ${o.couldStartLocal}, after waiting ${formatDuration(o.waitMs)}: ${o.heldBy}`;
}
