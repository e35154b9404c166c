import type { Config, EnvironmentConfig, ServiceGroupConfig } from '../../src/domain/config/schema';
import type { ProbeConfig } from '../../src/domain/traffic/rollback-plan';
import type { BackupRestoreInput, BackupRestoreRequest } from '../../src/contracts/backup-restore';
import type { HealthDrillInput, HealthDrillRequest } from '../../src/contracts/health';
import type { ReadinessGateInput, ReadinessGateRequest } from '../../src/contracts/readiness-gate';
import type { ReplayDrillInput, ReplayDrillRequest } from '../../src/contracts/replay';
import type { RollbackDrillInput, RollbackDrillRequest } from '../../src/contracts/rollback';
import type { GateLaunch, RolloutInput, RolloutRequest } from '../../src/contracts/rollout';

/*
 * Tests describe what a drill should run with as the settings the worker resolves (the full
 * input), against sandboxes that start on fresh ports. These helpers declare that environment in
 * the test worker's config (filled as tests go) and return the request a caller sends: intent only.
 */

function environment(config: Config, name: string, sandbox: boolean, production: boolean): EnvironmentConfig {
  const env: EnvironmentConfig = config.environments[name] ?? {
    production,
    sandbox,
    serviceGroups: {},
    rollback: { rtoTargetSeconds: 300, probeIntervalMs: 1000, consecutiveHealthy: 3, switchTimeoutSeconds: 600, holdSeconds: 0 },
    gate: { attesters: [], forbidInitiator: true, attestationTimeoutSeconds: 3600, remainingWork: [] },
    rollout: { endpoints: {}, hooks: {}, notifications: {}, metricProviders: {} },
  };
  config.environments[name] = env;
  return env;
}

function groupOf(services: { role: string; service: string; probe: ProbeConfig }[]): ServiceGroupConfig {
  return { services: Object.fromEntries(services.map((s) => [s.role, { service: s.service, probe: { ...s.probe, identity: s.probe.identity ?? 'none' } }])) };
}

export function registerHealth(config: Config, input: HealthDrillInput): HealthDrillRequest {
  const env = environment(config, input.environment, true, false);
  env.health = input.health;
  if (input.cloudRun && input.cloudRunServices) {
    env.cloudRun ??= { project: input.cloudRun.project, region: input.cloudRun.region, ...(input.cloudRun.apiEndpoint ? { apiEndpoint: input.cloudRun.apiEndpoint } : {}) };
    if (Object.keys(env.serviceGroups).length === 0) {
      env.serviceGroups.convex = { services: Object.fromEntries(input.cloudRunServices.map((s) => [s, { service: s, probe: { path: '/', identity: 'none' as const } }])) };
    }
  }
  return { environment: input.environment };
}

export function registerBackupRestore(config: Config, input: BackupRestoreInput): BackupRestoreRequest {
  const env = environment(config, input.environment, true, input.production);
  env.production = input.production;
  env.backup = input.backup;
  env.productionGuard = { approvers: input.approvers };
  return { environment: input.environment, restoreMode: input.restoreMode, authorization: input.authorization };
}

export function registerReplay(config: Config, input: ReplayDrillInput): ReplayDrillRequest {
  environment(config, input.environment, true, false).replay = input.replay;
  return { environment: input.environment };
}

export function registerRollback(config: Config, input: RollbackDrillInput): RollbackDrillRequest {
  const env = environment(config, input.environment, input.cloudRun.sandbox ?? true, input.production);
  env.production = input.production;
  env.sandbox = input.cloudRun.sandbox ?? true;
  env.cloudRun = { project: input.cloudRun.project, region: input.cloudRun.region, ...(input.cloudRun.apiEndpoint ? { apiEndpoint: input.cloudRun.apiEndpoint } : {}) };
  env.serviceGroups[input.group] = groupOf(input.services);
  env.rollback = input.rollback;
  env.productionGuard = { approvers: input.approvers };
  return { environment: input.environment, group: input.group, mode: input.mode, targets: input.targets, requestedBy: input.requestedBy, ...(input.confirmation ? { confirmation: input.confirmation } : {}) };
}

function registerGate(config: Config, launch: GateLaunch | undefined): void {
  if (!launch) return;
  const input = launch.input as { environment: string };
  if ('health' in input) registerHealth(config, input as HealthDrillInput);
  else if ('backup' in input) registerBackupRestore(config, input as BackupRestoreInput);
  else if ('replay' in input) registerReplay(config, input as ReplayDrillInput);
  else if ('cloudRun' in input) registerRollback(config, input as RollbackDrillInput);
}

export function registerRollout(config: Config, input: RolloutInput): RolloutRequest {
  for (const launch of [input.preflightHealth, ...Object.values(input.gates)]) registerGate(config, launch);
  const env = environment(config, input.environment, input.cloudRun.sandbox ?? true, input.production);
  env.production = input.production;
  env.cloudRun = { project: input.cloudRun.project, region: input.cloudRun.region, ...(input.cloudRun.apiEndpoint ? { apiEndpoint: input.cloudRun.apiEndpoint } : {}) };
  env.serviceGroups[input.group] = groupOf(input.services);
  env.rollback = { ...env.rollback, ...input.traffic };
  env.productionGuard = { approvers: input.productionApprovers };
  return {
    environment: input.environment,
    group: input.group,
    initiator: input.initiator,
    plan: input.plan,
    ...(input.confirmation ? { confirmation: input.confirmation } : {}),
    ...(input.webUiUrl ? { webUiUrl: input.webUiUrl } : {}),
    ...(input.continueAsNewAfterEvents ? { continueAsNewAfterEvents: input.continueAsNewAfterEvents } : {}),
    ...(input.carried ? { carried: input.carried } : {}),
  };
}

export function registerReadinessGate(config: Config, input: ReadinessGateInput): ReadinessGateRequest {
  const drills = input.drills as Record<string, unknown>;
  registerHealth(config, drills.health as HealthDrillInput);
  if (drills.backupRestore) registerBackupRestore(config, drills.backupRestore as BackupRestoreInput);
  if (drills.replay) registerReplay(config, drills.replay as ReplayDrillInput);
  if (drills.rollback) registerRollback(config, drills.rollback as RollbackDrillInput);
  const env = environment(config, input.environment, true, false);
  env.gate = { attesters: input.attestation.attesters, forbidInitiator: input.attestation.forbidInitiator, attestationTimeoutSeconds: input.attestation.timeoutSeconds, remainingWork: input.remainingWork, serviceGroup: input.group };
  env.rollback = { ...env.rollback, rtoTargetSeconds: input.rtoTargetSeconds };
  return { environment: input.environment, group: input.group, initiator: input.initiator };
}
