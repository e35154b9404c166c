import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AttestationPolicy, AttestationRequest } from '../domain/attestation';
import type { DecisionChallenge } from '../domain/decision-signature';
import type { BackupRestoreRequest } from './backup-restore';
import type { HealthDrillRequest, HealthDrillResult } from './health';
import type { ReplayDrillRequest } from './replay';
import type { RollbackDrillRequest } from './rollback';
import type { AttestationRecord, GateDrill, GateStep } from '../domain/results/readiness-gate';
export { GATE_DRILLS } from '../domain/results/readiness-gate';
export type { GateDrill, GateDrillResults, GateStepStatus, GateStep, AttestationRecord, AcceptanceCriterion, ReadinessGateResult } from '../domain/results/readiness-gate';

export const READINESS_GATE_WORKFLOW = 'readinessGate';

export const GATE_DRILL_WORKFLOWS = {
  health: 'healthDrill',
  backupRestore: 'backupRestoreDrill',
  replay: 'replayDrill',
  rollback: 'rollbackDrill',
} as const satisfies Record<GateDrill, string>;

/** The request each of the gate's child drills takes. */
export interface GateDrillRequests {
  health: HealthDrillRequest;
  backupRestore: BackupRestoreRequest;
  replay: ReplayDrillRequest;
  rollback: RollbackDrillRequest;
}

/** What a caller asks for; the worker builds every drill's settings from its own config. */
export interface ReadinessGateRequest {
  environment: string;
  /** Default: gate.serviceGroup, else the environment's only group. */
  group?: string;
  initiator: string;
}

export interface ReadinessGateInput {
  environment: string;
  group: string;
  /** Who started the gate (recorded; may be barred from attesting). */
  initiator: string;
  /** Where the environment lives, for the report's scope line (e.g. "openagentsgemini/us-central1"). */
  scope: string;
  rtoTargetSeconds: number;
  /**
   * Each child's request (before the worker owned its config: its resolved input); a missing one is
   * reported as not configured.
   */
  drills: Pick<GateDrillRequests, 'health'> & Partial<GateDrillRequests>;
  /** Workflow id of the rollback child: the group's traffic lock, so it cannot overlap a rollout. */
  rollbackWorkflowId: string;
  attestation: AttestationPolicy;
  /** Items the report lists under "Remaining work" in addition to every failed criterion. */
  remainingWork: string[];
}

export interface ReadinessGateStatus {
  phase: 'drills' | 'attestation' | 'done';
  current?: GateDrill;
  steps: GateStep[];
  attestation: AttestationRecord;
  /** What a signed attestation binds to (absent on runs from before attestations were signed). */
  decision?: DecisionChallenge;
}

export const attestDocsUpdate = defineUpdate<AttestationRecord, [AttestationRequest]>('attestDocs');
/** Same meaning as the Update, for people attesting from the Web UI; refused the same way (and logged). */
export const attestDocsSignal = defineSignal<[AttestationRequest]>('attestDocsSignal');
export const gateStatusQuery = defineQuery<ReadinessGateStatus>('gateStatus');

export type { HealthDrillResult };
