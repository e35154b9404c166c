import type { RolloutGate } from './plan-schema';
import type { ApprovalRecord, CheckState, GateRecord } from './records';

/** The bake of the current step, on workflow time; pauses do not count as baked. */
export interface BakeProgress {
  /** The step's bake as planned, or as last changed with set-bake. */
  bakeMs: number;
  bakedMs: number;
  skipped: boolean;
}

export function bakeRemainingMs(p: BakeProgress): number {
  return p.skipped ? 0 : Math.max(0, p.bakeMs - p.bakedMs);
}

/** The gates of a step (`required`, in the plan's order) that have not passed yet, given the step's gate records. */
export function unmetGates(requiredGates: readonly RolloutGate[], gates: readonly GateRecord[]): RolloutGate[] {
  return requiredGates.filter((g) => !gates.some((r) => r.gate === g && r.status === 'passed'));
}

/** Where a step's approval stands, given its approval records: a step that needs none goes on, one approved goes on, else it waits. */
export type ApprovalStanding = 'not-required' | 'approved' | 'waiting';

export function approvalStanding(required: boolean, approvals: readonly ApprovalRecord[]): ApprovalStanding {
  if (!required) return 'not-required';
  return approvals.some((a) => a.decision === 'approved') ? 'approved' : 'waiting';
}

/** What decides whether a baked step may end (its gates and approval were settled before its shift). */
export interface StepStanding {
  bake: BakeProgress;
  failing: readonly CheckState[];
  paused: boolean;
}

export type ProceedDecision = { proceed: true } | { proceed: false; waitingFor: string };

/**
 * Whether the rollout may leave the current step for the next: not paused, the bake done or
 * skipped, and no analysis check failing right now (a step never promotes on a failing check,
 * even when the stop rule has not fired yet).
 */
export function stepMayProceed(s: StepStanding): ProceedDecision {
  if (s.paused) return { proceed: false, waitingFor: 'resume (the rollout is paused)' };
  const remaining = bakeRemainingMs(s.bake);
  if (remaining > 0) return { proceed: false, waitingFor: `the bake (${Math.ceil(remaining / 1000)} s left)` };
  const short = s.failing.filter((c) => c.notEnoughData === 'hold');
  const failing = s.failing.filter((c) => c.notEnoughData !== 'hold');
  if (failing.length > 0) return { proceed: false, waitingFor: `failing check(s) to recover: ${failing.map((c) => c.check).join(', ')}` };
  if (short.length > 0) return { proceed: false, waitingFor: `enough data to judge (never a pass without it): ${short.map((c) => c.check).join(', ')}` };
  return { proceed: true };
}
