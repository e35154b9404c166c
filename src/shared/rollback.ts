import { defineQuery } from '@temporalio/workflow';
import type { RollbackConfig } from '../domain/config/schema';
import type { CloudRunTarget } from '../domain/traffic/cloud-run-target';
import type { ChangeConfirmation } from '../domain/traffic/production-guard';
import type { ProbeConfig } from '../domain/traffic/rollback-plan';
import { trafficLockWorkflowId } from './traffic-lock';
import type { RollbackMode } from '../domain/results/rollback';
export type { RollbackMode, RollbackServiceResult, RollbackVerdict, ProductionGuardRecord, RollbackDrillResult } from '../domain/results/rollback';

export const ROLLBACK_WORKFLOW = 'rollbackDrill';

export interface RollbackServiceInput {
  role: string;
  service: string;
  probe: ProbeConfig;
}

/** What a caller asks for; the worker resolves the project, services, probes and production flag from its own config. */
export interface RollbackDrillRequest {
  environment: string;
  /** Default: the environment's only group. */
  group?: string;
  mode: RollbackMode;
  /** Explicit targets, keyed by role or service id (`--target backend=oa-...-00010-kpf`). */
  targets: Record<string, string>;
  requestedBy: string;
  confirmation?: ChangeConfirmation;
}

export interface RollbackDrillInput {
  environment: string;
  group: string;
  production: boolean;
  mode: RollbackMode;
  cloudRun: CloudRunTarget;
  /** In the group's order; every one is rolled back together. */
  services: RollbackServiceInput[];
  rollback: RollbackConfig;
  /** Explicit targets, keyed by role or service id (`--target backend=oa-...-00010-kpf`). */
  targets: Record<string, string>;
  /** Who asked (recorded in history and the result). */
  requestedBy: string;
  /** Required to apply in a production environment. */
  confirmation?: ChangeConfirmation;
  /** productionGuard.approvers of the environment. */
  approvers: string[];
}

export type RollbackPhase = 'resolving' | 'planned' | 'shifting' | 'verifying' | 'holding' | 'restoring' | 'compensating' | 'done';

export interface RollbackProgress {
  phase: RollbackPhase;
  services: { service: string; current: string; target: string; state: string }[];
  restoreFailures: number;
  lastRestoreError?: string;
}

export const rollbackProgressQuery = defineQuery<RollbackProgress>('rollbackProgress');

/**
 * A dry run changes nothing, so it does not take the group's traffic lock and may run beside a
 * rollout; an applied drill runs under the lock (see traffic-lock.ts).
 */
export function rollbackWorkflowId(environment: string, group: string, mode: RollbackMode, at: Date): string {
  if (mode === 'apply') return trafficLockWorkflowId(environment, group);
  return `rollback-plan-${environment}-${group}-${at.toISOString().replace(/[:.]/g, '').toLowerCase()}`;
}
