import type { Config } from '../domain/config/schema';
import { templatePlaceholders } from '../domain/reproject/argv-template';
import { replayLevelProblems } from '../domain/reproject/levels';
import type { ReplayConfig } from '../domain/config/schema';
import { backupDrillGuardProblems, scratchIdentityProblems } from '../domain/snapshot/restore-guard';
import { productionGuardProblem } from '../domain/traffic/production-guard';
import type { BackupRestoreInput, BackupRestoreRequest } from '../contracts/backup-restore';
import type { HealthDrillInput, HealthDrillRequest } from '../contracts/health';
import { missingReplayFields, type ReplayDrillInput, type ReplayDrillRequest } from '../contracts/replay';
import type { RollbackDrillInput, RollbackDrillRequest } from '../contracts/rollback';
import { environmentOf, sectionOf, serviceGroupOf } from './environment';
import { SettingsError, SettingsFailureType } from './errors';

/**
 * Each drill's settings from the worker's config and a caller's request. The worker's settings
 * activities run these (the authority); the client runs the same ones against its own copy of the
 * config to refuse early, before anything starts.
 */

export function healthDrillSettings(config: Config, request: HealthDrillRequest): HealthDrillInput {
  const e = environmentOf(config, request.environment);
  const health = sectionOf(e, 'health', 'add health.backendUrl and health.dashboardUrl');
  // A gate reads its own group's services: one environment may hold hundreds of groups.
  const groups = request.group !== undefined ? [serviceGroupOf(e, request.group).config] : Object.values(e.env.serviceGroups);
  const cloudRunServices = [...new Set(groups.flatMap((g) => Object.values(g.services).map((s) => s.service)))];
  if (!e.env.cloudRun || cloudRunServices.length === 0) return { environment: e.name, health };
  return { environment: e.name, health, cloudRun: { ...e.env.cloudRun, sandbox: e.env.sandbox }, cloudRunServices };
}

/**
 * `snapshotDir` is resolved by the caller of this function on the worker (relative to its data
 * folder), never by a client: the snapshots live where the worker writes them.
 */
export function backupRestoreSettings(config: Config, request: BackupRestoreRequest, resolveDir: (dir: string) => string): BackupRestoreInput {
  const e = environmentOf(config, request.environment);
  const backup = sectionOf(e, 'backup', 'add backup.source (url, adminKey: env:NAME or file:PATH) and, for a true restore test, backup.scratch');
  const restoreMode = request.restoreMode ?? backup.restoreMode;
  const input: BackupRestoreInput = {
    environment: e.name,
    production: e.env.production,
    backup: { ...backup, snapshotDir: resolveDir(backup.snapshotDir) },
    restoreMode,
    authorization: request.authorization,
    approvers: e.env.productionGuard?.approvers ?? [],
  };
  const problems = backupDrillGuardProblems(input);
  problems.push(...scratchIdentityProblems(restoreMode, backup.source, backup.scratch));
  if (problems.length) throw new SettingsError(SettingsFailureType.restoreGuard, `backup/restore drill refused:\n${problems.map((p) => `  - ${p}`).join('\n')}`, 'nothing was exported or changed');
  return input;
}

/** Config problems the replay drill would only find after seeding: placeholders a command needs or cannot fill. */
export function replayTemplateProblems(replay: ReplayConfig): string[] {
  const problems: string[] = [];
  const check = (field: string, template: string[] | undefined, required: string[], allowed: string[]): void => {
    if (!template) return;
    const used = templatePlaceholders(template);
    for (const name of required.filter((n) => !used.includes(n))) problems.push(`replay.${field} must pass {${name}} to the runtime`);
    for (const name of used.filter((n) => !allowed.includes(n))) problems.push(`replay.${field} uses {${name}}; it may use ${allowed.map((a) => `{${a}}`).join(', ')}`);
  };
  for (const field of ['reprojectRun', 'reprojectWorker', 'historyRun', 'historyWorker'] as const) check(field, replay[field], ['id'], ['id']);
  for (const field of ['seedFixtures', 'cleanupFixtures'] as const) check(field, replay[field], ['runId', 'workerId'], ['runId', 'workerId']);
  return problems;
}

export function replayDrillSettings(config: Config, request: ReplayDrillRequest): ReplayDrillInput {
  const e = environmentOf(config, request.environment);
  const replay = sectionOf(e, 'replay', 'add replay: seedFixtures and cleanupFixtures (level 1), projections (Convex url, adminKey reference; level 2), historyRun and historyWorker (level 3)');
  const problems = [...missingReplayFields(replay).map((f) => `${f} is required by the replay drill`), ...replayLevelProblems(replay), ...replayTemplateProblems(replay)];
  if (problems.length) throw new SettingsError(SettingsFailureType.notConfigured, `environment "${e.name}" cannot run the replay drill:\n${problems.map((p) => `  - ${p}`).join('\n')}`, 'fix the replay section; nothing was started');
  return { environment: e.name, replay };
}

export function rollbackDrillSettings(config: Config, request: RollbackDrillRequest): RollbackDrillInput {
  const e = environmentOf(config, request.environment);
  const cloudRun = sectionOf(e, 'cloudRun', 'add cloudRun.project and cloudRun.region');
  const { group, config: groupConfig } = serviceGroupOf(e, request.group);
  const services = Object.entries(groupConfig.services).map(([role, s]) => ({ role, service: s.service, probe: s.probe }));
  for (const key of Object.keys(request.targets)) {
    if (!services.some((s) => s.role === key || s.service === key)) {
      throw new SettingsError(SettingsFailureType.unknownService, `service group ${group} has no service "${key}"`, `use a role or service id of the group: ${services.map((s) => `${s.role} (${s.service})`).join(', ')}; nothing was changed`);
    }
  }
  const input: RollbackDrillInput = {
    environment: e.name,
    group,
    production: e.env.production,
    mode: request.mode,
    cloudRun: { ...cloudRun, sandbox: e.env.sandbox },
    services,
    rollback: e.env.rollback,
    targets: request.targets,
    requestedBy: request.requestedBy,
    ...(request.confirmation ? { confirmation: request.confirmation } : {}),
    approvers: e.env.productionGuard?.approvers ?? [],
    ...(request.mode === 'apply' && e.env.rollout.notify ? { notify: { target: e.env.rollout.notify } } : {}),
  };
  const refused = productionGuardProblem({ ...input, changesTraffic: request.mode === 'apply' });
  if (refused) throw new SettingsError(SettingsFailureType.productionGuard, `rollback drill refused: ${refused}`, 'nothing was changed; a dry run (without --apply) needs no confirmation');
  return input;
}
