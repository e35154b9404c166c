import { defineQuery } from '@temporalio/workflow';
import type { RollbackConfig } from '../domain/config/schema';
import type { CloudRunTarget } from '../domain/traffic/cloud-run-target';
import type { ChangeConfirmation } from '../domain/traffic/production-guard';
import type { ProbeConfig, ServiceRollbackPlan } from '../domain/traffic/rollback-plan';
import type { StuckAlarm } from '../domain/traffic/stuck-alarm';
import { trafficLockWorkflowId } from './traffic-lock';
import type { RollbackDrillResult, RollbackMode, RollbackServiceResult } from '../domain/results/rollback';
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
  /** Continue as a new run once history has this many events (or when Temporal suggests it). Default 2000. */
  continueAsNewAfterEvents?: number;
  /** Set by continue-as-new while the restore keeps failing: what the next run must finish. */
  carried?: RollbackCarried;
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
  /** The environment's notification target (rollout.notify): told when a restore keeps failing. */
  notify?: { target: string };
}

/** What every result of one drill shares, from its first run to its last. */
export type RollbackResultBase = Pick<RollbackDrillResult, 'workflowId' | 'environment' | 'group' | 'project' | 'region' | 'mode' | 'rtoTargetSeconds' | 'guard' | 'startedAt'>;

/**
 * What a run hands to the next when its history grows long while the restore keeps failing
 * (continue-as-new): the exact original allocation of every service, which restores are still
 * owed, how often they failed, and what the drill measured before. The Workflow ID, and with it
 * the group's traffic lock, stays held from run to run until traffic is back.
 */
export interface RollbackCarried {
  /** `restore`: the drill's own restore after the measured rollback; `compensate`: after a failure or a cancellation. */
  purpose: 'restore' | 'compensate';
  /** Runs so far, the one that hands over included. */
  runs: number;
  plans: ServiceRollbackPlan[];
  /** Services whose restore has not succeeded yet. */
  pending: string[];
  /** Failed attempts per service so far: the backoff goes on from there. */
  attempts: Record<string, number>;
  restoreFailures: number;
  alarm: StuckAlarm;
  /** Notifications sent so far: their idempotency keys' sequence. */
  notifications: number;
  base: RollbackResultBase;
  services: RollbackServiceResult[];
  shiftStartedAtMs: number;
  rtoSeconds?: number;
  restoreStartedAtMs?: number;
  /** compensate: why the drill failed, and, when it was cancelled, who asked. */
  failure?: { message: string; cancelled: boolean; failedAt?: string; cancelledBy?: string };
}

export type RollbackPhase = 'resolving' | 'planned' | 'shifting' | 'verifying' | 'holding' | 'restoring' | 'compensating' | 'done';

export interface RollbackProgress {
  phase: RollbackPhase;
  services: { service: string; current: string; target: string; state: string }[];
  restoreFailures: number;
  lastRestoreError?: string;
  /** Who asked Temporal to cancel the drill (the Web UI's user, the CLI's user@host), and why. */
  cancelledBy?: string;
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
