import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AttestationPolicy, AttestationRequest, AttestationState } from '../domain/attestation';
import type { DecisionChallenge } from '../domain/decision-signature';
import type { BackupRestoreRequest } from './backup-restore';
import type { HealthDrillRequest, HealthDrillResult, Verdict } from './health';
import type { ReplayDrillRequest } from './replay';
import type { RollbackDrillRequest } from './rollback';
import type { RunConclusion } from './run-conclusion';

export const READINESS_GATE_WORKFLOW = 'readinessGate';

/** The drills of the gate, in the order they run. */
export const GATE_DRILLS = ['health', 'backupRestore', 'replay', 'rollback'] as const;
export type GateDrill = (typeof GATE_DRILLS)[number];

export const GATE_DRILL_WORKFLOWS: Record<GateDrill, string> = {
  health: 'healthDrill',
  backupRestore: 'backupRestoreDrill',
  replay: 'replayDrill',
  rollback: 'rollbackDrill',
};

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
  drills: {
    health: HealthDrillRequest;
    backupRestore?: BackupRestoreRequest;
    replay?: ReplayDrillRequest;
    rollback?: RollbackDrillRequest;
  };
  /** Workflow id of the rollback child: the group's traffic lock, so it cannot overlap a rollout. */
  rollbackWorkflowId: string;
  attestation: AttestationPolicy;
  /** Items the report lists under "Remaining work" in addition to every failed criterion. */
  remainingWork: string[];
}

export type GateStepStatus = 'passed' | 'failed' | 'skipped' | 'not-configured';

export interface GateStep {
  drill: GateDrill;
  workflowType: string;
  status: GateStepStatus;
  workflowId?: string;
  seconds: number;
  /** The child's own result (its verdict and figures); absent when it did not finish. */
  result?: unknown;
  error?: string;
}

export interface AttestationRecord {
  state: AttestationState;
  attester?: string;
  reason?: string;
  docs?: string[];
  /** ISO time on workflow time. */
  at?: string;
  /** `verified`: the attester is the principal whose key signed it; `unsigned`: only what was typed. */
  signature?: 'verified' | 'unsigned';
  /** `SHA256:...` of the signing key. */
  key?: string;
  timeoutSeconds: number;
  onTimeout: 'fail';
}

export interface AcceptanceCriterion {
  id: 'drills-succeeded' | 'rto-within-target' | 'docs-attested';
  text: string;
  status: Verdict;
  detail: string;
}

export interface ReadinessGateResult {
  workflowId: string;
  environment: string;
  group: string;
  scope: string;
  initiator: string;
  startedAt: string;
  finishedAt: string;
  totalSeconds: number;
  rtoTargetSeconds: number;
  steps: GateStep[];
  attestation: AttestationRecord;
  criteria: AcceptanceCriterion[];
  remainingWork: string[];
  verdict: Verdict;
  /** How it ended: on a FAIL every unmet criterion as a cause, what the drills changed and whether it is back. */
  conclusion?: RunConclusion;
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
