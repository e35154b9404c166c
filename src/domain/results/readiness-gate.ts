// What a drill returns: plain data, shared by the workflows, the report renderers and the CLI.
import type { AttestationState } from '../attestation';
import type { BackupRestoreResult } from './backup-restore';
import type { RunConclusion } from './conclusion';
import type { HealthDrillResult, Verdict } from './health';
import type { ReplayDrillResult } from './replay';
import type { RollbackDrillResult } from './rollback';

/** The drills of the gate, in the order they run. */
export const GATE_DRILLS = ['health', 'backupRestore', 'replay', 'rollback'] as const;

export type GateDrill = (typeof GATE_DRILLS)[number];

export type GateStepStatus = 'passed' | 'failed' | 'skipped' | 'not-configured';

/** What each of the gate's child drills returns. */
export interface GateDrillResults {
  health: HealthDrillResult;
  backupRestore: BackupRestoreResult;
  replay: ReplayDrillResult;
  rollback: RollbackDrillResult;
}

/** One drill of the gate as it went, keyed by drill: `result` is that drill's own result. */
export type GateStep<D extends GateDrill = GateDrill> = {
  [K in D]: {
    drill: K;
    workflowType: string;
    status: GateStepStatus;
    workflowId?: string;
    seconds: number;
    /** The child's own result (its verdict and figures); absent when it did not finish. */
    result?: GateDrillResults[K];
    error?: string;
  };
}[D];

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
