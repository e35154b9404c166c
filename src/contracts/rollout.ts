import type { WorkflowHandle } from '@temporalio/client';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RollbackConfig } from '../domain/config/schema';
import type { AbortRequest, ApprovalRequest, PauseRequest, SetBakeRequest, SkipBakeRequest, WindowOverrideRequest } from '../domain/rollout/controls';
import type { RolloutGate, RolloutPlan } from '../domain/rollout/plan-schema';
import type { ApprovalRecord, TimelineEntry, WindowOverrideRecord } from '../domain/rollout/records';
import type { CloudRunTarget } from '../domain/traffic/cloud-run-target';
import type { ChangeConfirmation } from '../domain/traffic/production-guard';
import type { ProbeConfig } from '../domain/traffic/rollback-plan';
import { BACKUP_RESTORE_WORKFLOW, type BackupRestoreRequest } from './backup-restore';
import { HEALTH_WORKFLOW, type HealthDrillRequest } from './health';
import { REPLAY_WORKFLOW, type ReplayDrillRequest } from './replay';
import { ROLLBACK_WORKFLOW, type RollbackDrillRequest } from './rollback';
import type { RolloutState, RolloutStatus, RolloutResult } from '../domain/results/rollout';
import { finishedRun, RUN_FAILED } from './run-conclusion';
export type { StepRecord, CompensationState, RolloutState, RolloutStatus, RolloutOutcome, RolloutResult } from '../domain/results/rollout';

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

/** Failure type of a rollout that ended without promoting; its details carry the RolloutResult. */
export const ROLLOUT_ABORTED = RUN_FAILED.rollout;

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
export function finishedRollout(handle: WorkflowHandle): Promise<RolloutResult> {
  return finishedRun<RolloutResult>(handle);
}
