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

/** Everything that decides whether the rollout may leave the current step. */
export interface StepStanding {
  requiredGates: readonly RolloutGate[];
  gates: readonly GateRecord[];
  approvalRequired: boolean;
  approval?: ApprovalRecord;
  bake: BakeProgress;
  failing: readonly CheckState[];
  paused: boolean;
}

export type ProceedDecision = { proceed: true } | { proceed: false; waitingFor: string };

/** The gate records of a step that failed, or are missing. */
export function unmetGates(requiredGates: readonly RolloutGate[], gates: readonly GateRecord[]): string[] {
  return requiredGates.filter((g) => !gates.some((r) => r.gate === g && r.status === 'passed'));
}

/**
 * Whether the rollout may go on to the next step: every gate passed, approved (when required), the
 * bake done or skipped, no analysis check failing right now (a step never promotes on a failing
 * check, even when the stop rule has not fired yet), and not paused.
 */
export function stepMayProceed(s: StepStanding): ProceedDecision {
  const gates = unmetGates(s.requiredGates, s.gates);
  if (gates.length > 0) return { proceed: false, waitingFor: `gate(s) not passed: ${gates.join(', ')}` };
  if (s.approvalRequired && s.approval?.decision !== 'approved') return { proceed: false, waitingFor: 'an approval' };
  if (s.paused) return { proceed: false, waitingFor: 'resume (the rollout is paused)' };
  const remaining = bakeRemainingMs(s.bake);
  if (remaining > 0) return { proceed: false, waitingFor: `the bake (${Math.ceil(remaining / 1000)} s left)` };
  const short = s.failing.filter((c) => c.notEnoughData === 'hold');
  const failing = s.failing.filter((c) => c.notEnoughData !== 'hold');
  if (failing.length > 0) return { proceed: false, waitingFor: `failing check(s) to recover: ${failing.map((c) => c.check).join(', ')}` };
  if (short.length > 0) return { proceed: false, waitingFor: `enough data to judge (never a pass without it): ${short.map((c) => c.check).join(', ')}` };
  return { proceed: true };
}
