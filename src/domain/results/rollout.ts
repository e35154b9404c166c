// What a drill returns: plain data, shared by the workflows, the report renderers and the CLI.
import type { DecisionChallenge } from '../decision-signature';
import type { RolloutPlan } from '../rollout/plan-schema';
import type { AppliedHook, ApprovalRecord, ChangeWindowWait, CheckState, GateRecord, RolloutPhase, RolloutService, TimelineEntry, WindowOverrideRecord } from '../rollout/records';
import type { TrafficAllocation } from '../traffic/allocation';
import type { StuckAlarm } from '../traffic/stuck-alarm';
import type { RunConclusion } from './conclusion';

/** not-needed: nothing changed yet; armed: a shift happened, abort would undo it; released: finished, nothing to undo. */
export type CompensationState = 'not-needed' | 'armed' | 'running' | 'stuck' | 'done' | 'released';

/** A step as it ran. */
export interface StepRecord {
  name: string;
  percent: number;
  tag?: string;
  startedAt: string;
  shiftedAt?: string;
  bakeStartedAt?: string;
  completedAt?: string;
  /** Planned bake, and the bake it ended with (set-bake changes it). */
  plannedBakeMs: number;
  bakeMs: number;
  bakedMs: number;
  bakeSkipped?: { by: string; reason: string; at: string };
  bakeChanges: { by: string; from: string; to: string; reason: string; at: string }[];
  readings: number;
  failedReadings: number;
  /** Workflow time of the bake's next analysis reading (carried across continue-as-new). */
  nextReadingAtMs?: number;
  /** Each analysis check as the bake ended. */
  checks: CheckState[];
  /** The cohort's own URL per role, when the step has a tag. */
  tagUrls: Record<string, string>;
}

/**
 * Everything the rollout knows: what the status query shows, what the result reports, and what
 * continue-as-new carries to the next run, so the audit trail (approvals, gates, timeline) is never
 * lost however long the rollout runs.
 */
export interface RolloutState {
  workflowId: string;
  environment: string;
  group: string;
  initiator: string;
  startedAt: string;
  phase: RolloutPhase;
  /** Index into plan.steps of the current step; -1 during pre-flight. */
  stepIndex: number;
  currentStep?: string;
  paused: boolean;
  pausedBy?: string;
  services: RolloutService[];
  /** Allocation this rollout last set (or found), per role. */
  traffic: Record<string, TrafficAllocation>;
  gates: GateRecord[];
  approvals: ApprovalRecord[];
  steps: StepRecord[];
  /** Analysis of the current bake, per check. */
  checks: Record<string, CheckState>;
  hooksApplied: AppliedHook[];
  compensation: CompensationState;
  compensationDetail?: string;
  abortReason?: string;
  /** Who asked for the abort (a person, or `rollout` for automatic stops). */
  abortedBy?: string;
  timeline: TimelineEntry[];
  /** Notifications sent so far: the idempotency keys' sequence. */
  notifications: number;
  /** Timeline entries dropped to keep the carried state bounded. */
  timelineDropped: number;
  runs: number;
  /** The nonce the next signed decision must cover; replaced after each applied decision. */
  decisionNonce?: string;
  /** Set while the next traffic change waits for a change window to open or a freeze to end. */
  changeWindow?: ChangeWindowWait;
  /** Signed overrides of change windows (absent on runs from before change windows). */
  windowOverrides?: WindowOverrideRecord[];
  /**
   * Compensation carried across continue-as-new while an action keeps failing: failed attempts per
   * action (the backoff goes on), the stuck alarm, and the cohort hooks already undone.
   */
  compensationAttempts?: Record<string, number>;
  stuckAlarm?: StuckAlarm;
  hooksUndone?: string[];
  /** The workflow itself was cancelled (Temporal's cancel request, the Web UI's "Request Cancellation"). */
  cancelled?: boolean;
}

export type RolloutStatus = RolloutState & {
  stepCount: number;
  stepNames: string[];
  webUiUrl?: string;
  /** What a signed decision binds to right now (absent on runs from before decisions were signed). */
  decision?: DecisionChallenge;
};

export type RolloutOutcome = 'promoted' | 'aborted';

export interface RolloutResult extends RolloutStatus {
  outcome: RolloutOutcome;
  verdict: 'PASS' | 'FAIL';
  finishedAt: string;
  totalSeconds: number;
  /** The plan the rollout ran, for the report. */
  plan: RolloutPlan;
  /** Aborted: every service back on its exact pre-rollout traffic, read back from Cloud Run (absent on results from before it was reported). */
  trafficRestored?: boolean;
  /** How it ended: on a FAIL the cause chain, the traffic and cohort hooks changed, and whether each is back, verified. */
  conclusion?: RunConclusion;
}
