import type { Config } from '../domain/config/schema';
import { planContextIssues } from '../domain/rollout/plan-context';
import type { RolloutGate } from '../domain/rollout/plan-schema';
import { productionGuardProblem } from '../domain/traffic/production-guard';
import { BACKUP_RESTORE_WORKFLOW, type BackupRestoreRequest } from '../contracts/backup-restore';
import { HEALTH_WORKFLOW, type HealthDrillRequest } from '../contracts/health';
import { REPLAY_WORKFLOW } from '../contracts/replay';
import { ROLLBACK_WORKFLOW, type RollbackDrillRequest } from '../contracts/rollback';
import type { GateLaunch, GateLaunches, RolloutInput, RolloutRequest } from '../contracts/rollout';
import { backupRestoreSettings, healthDrillSettings, replayDrillSettings, rollbackDrillSettings } from './drills';
import { environmentOf, sectionOf } from './environment';
import { SettingsError, SettingsFailureType } from './errors';

/** Each gate's child request; its settings are built here once so a gate the config cannot run refuses the rollout. */
function gateLaunch(config: Config, gate: RolloutGate, request: RolloutRequest): GateLaunch {
  const environment = request.environment;
  switch (gate) {
    case 'health': {
      const child: HealthDrillRequest = { environment, group: request.group };
      healthDrillSettings(config, child);
      return { workflowType: HEALTH_WORKFLOW, input: child };
    }
    case 'backup-restore': {
      const c = request.confirmation;
      const child: BackupRestoreRequest = { environment, authorization: { destructive: false, confirmed: !!c?.confirmed, ticket: c?.ticket, reason: c?.reason, requestedBy: request.initiator } };
      backupRestoreSettings(config, child, (dir) => dir);
      return { workflowType: BACKUP_RESTORE_WORKFLOW, input: child };
    }
    case 'replay':
      replayDrillSettings(config, { environment });
      return { workflowType: REPLAY_WORKFLOW, input: { environment } };
    case 'rollback': {
      // Applied under the rollout's lock; the workflow sets the targets once it knows the stable revisions.
      const child: RollbackDrillRequest = { environment, group: request.group, mode: 'apply', targets: {}, requestedBy: request.initiator, ...(request.confirmation ? { confirmation: request.confirmation } : {}) };
      rollbackDrillSettings(config, child);
      return { workflowType: ROLLBACK_WORKFLOW, input: child };
    }
  }
}

/** The rollout's settings: the plan checked against the worker's config, and everything it runs with resolved from it. */
export function rolloutSettings(config: Config, request: RolloutRequest): RolloutInput {
  const { plan } = request;
  if (plan.environment !== request.environment || plan.serviceGroup !== request.group) {
    throw new SettingsError(SettingsFailureType.planRefused, `the plan is for ${plan.environment} / ${plan.serviceGroup}, but the rollout was started for ${request.environment} / ${request.group}`, 'start the rollout for the plan\'s own environment and group');
  }
  const e = environmentOf(config, request.environment);
  const issues = planContextIssues(plan, config);
  if (issues.length) {
    throw new SettingsError(SettingsFailureType.planRefused, `the plan does not fit the worker's config:\n${issues.map((i) => `  - ${i.path.map(String).join('.')}: ${i.message}`).join('\n')}`, 'fix the plan or the worker\'s config; nothing was started');
  }
  const cloudRun = sectionOf(e, 'cloudRun', 'add cloudRun.project and cloudRun.region');
  sectionOf(e, 'health', 'add health.backendUrl and health.dashboardUrl: the rollout runs a pre-flight health check');
  const approvers = e.env.productionGuard?.approvers ?? [];
  const refused = productionGuardProblem({ environment: e.name, production: e.env.production, changesTraffic: true, confirmation: request.confirmation, requestedBy: request.initiator, approvers });
  if (refused) throw new SettingsError(SettingsFailureType.productionGuard, `rollout refused: ${refused}`, 'nothing was started');
  const gates: GateLaunches = {};
  for (const gate of new Set(plan.steps.flatMap((s) => s.gates))) Object.assign(gates, { [gate]: gateLaunch(config, gate, request) });
  const services = e.env.serviceGroups[request.group]!.services;
  const target = plan.notify?.target ?? e.env.rollout.notify;
  return {
    environment: e.name,
    group: request.group,
    initiator: request.initiator,
    plan: target ? { ...plan, notify: { target } } : plan,
    cloudRun: { ...cloudRun, sandbox: e.env.sandbox },
    production: e.env.production,
    ...(request.confirmation ? { confirmation: request.confirmation } : {}),
    productionApprovers: approvers,
    services: Object.entries(services).map(([role, s]) => ({ role, service: s.service, probe: s.probe })),
    traffic: { probeIntervalMs: e.env.rollback.probeIntervalMs, consecutiveHealthy: e.env.rollback.consecutiveHealthy, switchTimeoutSeconds: e.env.rollback.switchTimeoutSeconds },
    preflightHealth: { workflowType: HEALTH_WORKFLOW, input: { environment: e.name, group: request.group } },
    gates,
    ...(request.webUiUrl ? { webUiUrl: request.webUiUrl } : {}),
    ...(request.continueAsNewAfterEvents ? { continueAsNewAfterEvents: request.continueAsNewAfterEvents } : {}),
    ...(request.carried ? { carried: request.carried } : {}),
  };
}
