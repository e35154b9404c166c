import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, parseConfig } from '../../domain/config/parse';
import type { Config } from '../../domain/config/schema';
import { loadRolloutPlan, type PlanContext } from '../../domain/rollout/plan-context';
import type { RolloutGate, RolloutPlan } from '../../domain/rollout/plan-schema';
import { productionGuardProblem, type ChangeConfirmation } from '../../domain/traffic/production-guard';
import { BACKUP_RESTORE_WORKFLOW } from '../../shared/backup-restore';
import { HEALTH_WORKFLOW } from '../../shared/health';
import { REPLAY_WORKFLOW } from '../../shared/replay';
import { ROLLBACK_WORKFLOW } from '../../shared/rollback';
import type { GateLaunch, RolloutInput } from '../../shared/rollout';
import { trafficLockWorkflowId } from '../../shared/traffic-lock';
import { configPath, type GlobalOptions } from '../context';
import { CliError, ExitCode } from '../errors';
import { backupRestoreInput } from './drill-backup-restore';
import { healthInput } from './drill-health';
import { replayInput } from './drill-replay';
import { rollbackDrillInput } from './drill-rollback';

export interface RolloutStartOptions {
  file: string;
  as: string;
  confirm?: boolean;
  ticket?: string;
  reason?: string;
}

function readText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, file);
  }
}

export function readConfig(g: GlobalOptions): { config: Config; source: string } {
  const source = configPath(g);
  return { config: parseConfig(readText(source, 'config file'), source), source };
}

/** The plan file checked against the config; `--env`, when given, must agree with the plan. */
export function readPlan(g: GlobalOptions, file: string): { plan: RolloutPlan; context: PlanContext; config: Config } {
  const planFile = path.resolve(file);
  const { config } = readConfig(g);
  const { plan, context } = loadRolloutPlan(readText(planFile, 'plan file'), planFile, config);
  if (g.env && g.env !== plan.environment) throw new CliError(`--env ${g.env}, but ${file} is a plan for environment "${plan.environment}"`, ExitCode.usage, 'drop --env, or use a plan for that environment');
  return { plan, context, config };
}

/** Each gate's child input, built by the very code `drillctl drill <kind>` uses. */
function gateLaunch(gate: RolloutGate, g: GlobalOptions, plan: RolloutPlan, opts: RolloutStartOptions): GateLaunch {
  switch (gate) {
    case 'health':
      return { workflowType: HEALTH_WORKFLOW, input: healthInput(g) };
    case 'backup-restore':
      return { workflowType: BACKUP_RESTORE_WORKFLOW, input: backupRestoreInput(g, { as: opts.as, confirm: opts.confirm, ticket: opts.ticket, reason: opts.reason }) };
    case 'replay':
      return { workflowType: REPLAY_WORKFLOW, input: replayInput(g) };
    case 'rollback':
      // Applied under the rollout's lock; the workflow sets the targets once it knows the stable revisions.
      return { workflowType: ROLLBACK_WORKFLOW, input: rollbackDrillInput(g, { apply: true, group: plan.serviceGroup, confirm: opts.confirm, ticket: opts.ticket, reason: opts.reason, as: opts.as }) };
  }
}

/**
 * Everything `rollout start` checks before it starts anything: the plan against the config, the
 * production guard, and every gate's own input (a gate the environment cannot run fails here).
 */
export function rolloutInput(g: GlobalOptions, opts: RolloutStartOptions, webUiUrl: (workflowId: string) => string): RolloutInput {
  const { plan, context } = readPlan(g, opts.file);
  const env = context.env;
  const scoped: GlobalOptions = { ...g, env: plan.environment };
  if (!env.cloudRun) throw new CliError(`environment "${plan.environment}" has no cloudRun section`, ExitCode.usage);
  if (!env.health) throw new CliError(`environment "${plan.environment}" has no health section, so the rollout has no pre-flight health check`, ExitCode.usage, 'add health.backendUrl and health.dashboardUrl');
  const confirmation: ChangeConfirmation | undefined = opts.confirm || opts.ticket || opts.reason ? { confirmed: !!opts.confirm, ticket: opts.ticket, reason: opts.reason } : undefined;
  const approvers = env.productionGuard?.approvers ?? [];
  const refused = productionGuardProblem({ environment: plan.environment, production: env.production, changesTraffic: true, confirmation, requestedBy: opts.as, approvers });
  if (refused) throw new CliError(`rollout refused: ${refused}`, ExitCode.usage, 'nothing was started');
  const gates: Partial<Record<RolloutGate, GateLaunch>> = {};
  for (const gate of new Set(plan.steps.flatMap((s) => s.gates))) gates[gate] = gateLaunch(gate, scoped, plan, opts);
  const target = plan.notify?.target ?? env.rollout.notify;
  return {
    environment: plan.environment,
    group: plan.serviceGroup,
    initiator: opts.as,
    plan: target ? { ...plan, notify: { target } } : plan,
    cloudRun: { ...env.cloudRun, sandbox: env.sandbox },
    production: env.production,
    ...(confirmation ? { confirmation } : {}),
    productionApprovers: approvers,
    services: Object.entries(context.services).map(([role, s]) => ({ role, service: s.service, probe: s.probe })),
    traffic: { probeIntervalMs: env.rollback.probeIntervalMs, consecutiveHealthy: env.rollback.consecutiveHealthy, switchTimeoutSeconds: env.rollback.switchTimeoutSeconds },
    preflightHealth: { workflowType: HEALTH_WORKFLOW, input: healthInput(scoped) },
    gates,
    webUiUrl: webUiUrl(trafficLockWorkflowId(plan.environment, plan.serviceGroup)),
  };
}
