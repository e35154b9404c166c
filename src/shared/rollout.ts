import type { WorkflowHandle } from '@temporalio/client';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RollbackConfig } from '../domain/config/schema';
import type { DecisionChallenge } from '../domain/decision-signature';
import type { AbortRequest, ApprovalRequest, PauseRequest, SetBakeRequest, SkipBakeRequest, WindowOverrideRequest } from '../domain/rollout/controls';
import type { RolloutGate, RolloutPlan } from '../domain/rollout/plan-schema';
import type { AppliedHook, ApprovalRecord, ChangeWindowWait, CheckState, GateRecord, RolloutPhase, RolloutService, TimelineEntry, WindowOverrideRecord } from '../domain/rollout/records';
import type { TrafficAllocation } from '../domain/traffic/allocation';
import type { StuckAlarm } from '../domain/traffic/stuck-alarm';
import type { CloudRunTarget } from '../domain/traffic/cloud-run-target';
import type { ChangeConfirmation } from '../domain/traffic/production-guard';
import type { ProbeConfig } from '../domain/traffic/rollback-plan';
import { BACKUP_RESTORE_WORKFLOW, type BackupRestoreRequest } from './backup-restore';
import { HEALTH_WORKFLOW, type HealthDrillRequest } from './health';
import { REPLAY_WORKFLOW, type ReplayDrillRequest } from './replay';
import { ROLLBACK_WORKFLOW, type RollbackDrillRequest } from './rollback';

export type { AbortRequest, ApprovalRequest, PauseRequest, SetBakeRequest, SkipBakeRequest, WindowOverrideRequest };

export const ROLLOUT_WORKFLOW = 'stagedRollout';

/** The drill workflow each gate runs as a child. */
export const ROLLOUT_GATE_WORKFLOWS = {
  health: HEALTH_WORKFLOW,
  'backup-restore': BACKUP_RESTORE_WORKFLOW,
  replay: REPLAY_WORKFLOW,
  rollback: ROLLBACK_WORKFLOW,
} as const satisfies Record<RolloutGate, string>;

/** The request each gate's child drill takes, by gate kind. */
export interface GateRequests {
  health: HealthDrillRequest;
  'backup-restore': BackupRestoreRequest;
  replay: ReplayDrillRequest;
  rollback: RollbackDrillRequest;
}

/**
 * A child drill, keyed by gate kind: its workflow and its request (before the worker owned its
 * config, its resolved input, which holds the request's fields too).
 */
export type GateLaunch<G extends RolloutGate = RolloutGate> = { [K in G]: { workflowType: (typeof ROLLOUT_GATE_WORKFLOWS)[K]; input: GateRequests[K] } }[G];

/** The launch of every gate a plan uses. */
export type GateLaunches = { [K in RolloutGate]?: GateLaunch<K> };

export interface RolloutServiceInput {
  role: string;
  service: string;
  probe: ProbeConfig;
}

/** What a caller asks for; the worker resolves services, probes, gates and the production flag from its own config. */
export interface RolloutRequest {
  environment: string;
  group: string;
  initiator: string;
  plan: RolloutPlan;
  confirmation?: ChangeConfirmation;
  webUiUrl?: string;
  continueAsNewAfterEvents?: number;
  /** Set by continue-as-new: the state (audit trail included) of the run before. */
  carried?: RolloutState;
}

export interface RolloutInput {
  environment: string;
  group: string;
  /** Who started the rollout (recorded; barred from approving unless a step allows it). */
  initiator: string;
  plan: RolloutPlan;
  cloudRun: CloudRunTarget;
  production: boolean;
  /** Production only: the confirmation, ticket and reason the rollout (and its rollback gates) run under. */
  confirmation?: ChangeConfirmation;
  /** productionGuard.approvers of the environment. */
  productionApprovers: string[];
  services: RolloutServiceInput[];
  /** Probe cadence and timeouts of traffic changes (the environment's rollback section). */
  traffic: Pick<RollbackConfig, 'probeIntervalMs' | 'consecutiveHealthy' | 'switchTimeoutSeconds'>;
  /** Pre-flight health (the health drill); absent only when the environment has no health section. */
  preflightHealth?: GateLaunch<'health'>;
  /** Inputs of the gates the plan uses; the rollback gate's targets are set to the stable revisions at run time. */
  gates: GateLaunches;
  /** Link to this rollout in the Web UI, for notifications. */
  webUiUrl?: string;
  /** Continue as a new run once history has this many events (or when Temporal suggests it). Default 2000. */
  continueAsNewAfterEvents?: number;
  /** Set by continue-as-new: the state (audit trail included) of the run before. */
  carried?: RolloutState;
}

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
}

/** Failure type of a rollout that ended without promoting; its details carry the RolloutResult. */
export const ROLLOUT_ABORTED = 'RolloutAborted';

export const approveUpdate = defineUpdate<ApprovalRecord, [ApprovalRequest]>('approve');
export const rejectUpdate = defineUpdate<ApprovalRecord, [ApprovalRequest]>('reject');
export const pauseUpdate = defineUpdate<TimelineEntry, [PauseRequest]>('pause');
export const resumeUpdate = defineUpdate<TimelineEntry, [PauseRequest]>('resume');
export const abortUpdate = defineUpdate<TimelineEntry, [AbortRequest]>('abort');
export const skipBakeUpdate = defineUpdate<TimelineEntry, [SkipBakeRequest]>('skipBake');
export const setBakeUpdate = defineUpdate<TimelineEntry, [SetBakeRequest]>('setBake');
export const overrideWindowUpdate = defineUpdate<WindowOverrideRecord, [WindowOverrideRequest]>('overrideWindow');

// The same controls as signals, for people acting from the Web UI (which sends signals). They go
// through the same checks; a refused signal changes nothing and is recorded in the timeline.
export const approveSignal = defineSignal<[ApprovalRequest]>('approveSignal');
export const rejectSignal = defineSignal<[ApprovalRequest]>('rejectSignal');
export const pauseSignal = defineSignal<[PauseRequest]>('pauseSignal');
export const resumeSignal = defineSignal<[PauseRequest]>('resumeSignal');
export const abortSignal = defineSignal<[AbortRequest]>('abortSignal');
export const skipBakeSignal = defineSignal<[SkipBakeRequest]>('skipBakeSignal');
export const setBakeSignal = defineSignal<[SetBakeRequest]>('setBakeSignal');
export const overrideWindowSignal = defineSignal<[WindowOverrideRequest]>('overrideWindowSignal');

export const rolloutStatusQuery = defineQuery<RolloutStatus>('rolloutStatus');

/** A finished rollout's result: returned when it promoted, carried in the failure's details when it aborted. */
export async function finishedRollout(handle: WorkflowHandle): Promise<RolloutResult> {
  try {
    return (await handle.result()) as RolloutResult;
  } catch (err) {
    const cause = (err as { cause?: { type?: string; details?: unknown[] } }).cause;
    if ((err as Error).name === 'WorkflowFailedError' && cause?.type === ROLLOUT_ABORTED && cause.details?.[0]) return cause.details[0] as RolloutResult;
    throw err;
  }
}
