import path from 'node:path';
import { readConfigText } from '../../config-file';
import { parseConfig } from '../../domain/config/parse';
import type { Config } from '../../domain/config/schema';
import { loadRolloutPlan, type PlanContext } from '../../domain/rollout/plan-context';
import type { RolloutPlan } from '../../domain/rollout/plan-schema';
import type { ChangeConfirmation } from '../../domain/traffic/production-guard';
import type { RolloutRequest } from '../../contracts/rollout';
import { configPath, type GlobalOptions } from '../context';
import { CliError, ExitCode } from '../errors';

export interface RolloutStartOptions {
  file: string;
  as: string;
  confirm?: boolean;
  ticket?: string;
  reason?: string;
}

export function readConfig(g: GlobalOptions): { config: Config; source: string } {
  const source = configPath(g);
  return { config: parseConfig(readConfigText(source, 'config file'), source), source };
}

/** The plan file checked against the config; `--env`, when given, must agree with the plan. */
export function readPlan(g: GlobalOptions, file: string): { plan: RolloutPlan; context: PlanContext; config: Config } {
  const planFile = path.resolve(file);
  const { config } = readConfig(g);
  const { plan, context } = loadRolloutPlan(readConfigText(planFile, 'plan file'), planFile, config);
  if (g.env && g.env !== plan.environment) throw new CliError(`--env ${g.env}, but ${file} is a plan for environment "${plan.environment}"`, ExitCode.usage, 'drop --env, or use a plan for that environment');
  return { plan, context, config };
}

/**
 * The rollout's request: the plan (checked against the caller's config here, and against the
 * worker's by the worker), who starts it, and the production confirmation. Everything it runs
 * with is resolved by the worker from its own config.
 */
export function rolloutRequest(g: GlobalOptions, opts: RolloutStartOptions): RolloutRequest {
  const { plan } = readPlan(g, opts.file);
  const confirmation: ChangeConfirmation | undefined = opts.confirm || opts.ticket || opts.reason ? { confirmed: !!opts.confirm, ticket: opts.ticket, reason: opts.reason } : undefined;
  return { environment: plan.environment, group: plan.serviceGroup, initiator: opts.as, plan, ...(confirmation ? { confirmation } : {}) };
}
