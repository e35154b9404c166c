// What a drill returns: plain data, shared by the workflows, the report renderers and the CLI.
import type { TrafficAllocation } from '../traffic/allocation';
import type { RtoMeasurement } from '../traffic/rto-measurement';
import type { RunConclusion } from './conclusion';

/** dry-run (the default) plans and changes nothing; apply shifts traffic, measures and restores. */
export type RollbackMode = 'dry-run' | 'apply';

export interface RollbackServiceResult extends Partial<RtoMeasurement> {
  role: string;
  service: string;
  /** What served before the drill: one revision, or the split. */
  current: string;
  target: string;
  targetReason: string;
  /** The exact allocation found (and restored). */
  originalTraffic: TrafficAllocation;
  originalSummary: string;
  rollbackTraffic: TrafficAllocation;
  rollbackSummary: string;
  /** Apply only: when probes first saw the target serve (ISO), and the seconds from drill start. */
  servingTargetAt?: string;
  rtoSeconds?: number;
  restoreSeconds?: number;
  /** The allocation read back after the restore. */
  restoredTraffic?: TrafficAllocation;
  trafficRestored?: boolean;
}

export type RollbackVerdict = 'PASS' | 'FAIL' | 'PLANNED';

export interface ProductionGuardRecord {
  production: boolean;
  requestedBy: string;
  confirmed: boolean;
  ticket?: string;
  reason?: string;
}

export interface RollbackDrillResult {
  workflowId: string;
  environment: string;
  group: string;
  project: string;
  region: string;
  mode: RollbackMode;
  /** PLANNED for a dry run; PASS when RTO <= target and traffic is back exactly as it was. */
  verdict: RollbackVerdict;
  /** Why the verdict is FAIL. */
  reasons: string[];
  services: RollbackServiceResult[];
  rtoSeconds?: number;
  /** The revision identity strategy that measured the RTO (`none`, `header`, `versionEndpoint`, or several joined by +). */
  rtoStrategy?: string;
  /** What the RTO figure means under that strategy. */
  rtoMeaning?: string;
  restoreSeconds?: number;
  totalSeconds?: number;
  rtoTargetSeconds: number;
  trafficRestored?: boolean;
  /** Restore attempts that failed before one succeeded (each is in history and the logs). */
  restoreFailures: number;
  guard: ProductionGuardRecord;
  startedAt: string;
  /** Apply only: the workflow time at which the first traffic change was scheduled (RTO starts here). */
  shiftStartedAt?: string;
  finishedAt: string;
  /** How it ended: on a FAIL the cause chain, the traffic changed and whether it is back, verified. */
  conclusion?: RunConclusion;
}
