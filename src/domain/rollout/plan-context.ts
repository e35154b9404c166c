import { ConfigError, parseDocument } from '../config/parse';
import type { Config, EnvironmentConfig, ServiceGroupConfig } from '../config/schema';
import { RolloutPlanSchema, type PlanIssue, type RolloutGate, type RolloutPlan } from './plan-schema';

/** The config section each gate's drill is built from. */
const GATE_NEEDS: Record<RolloutGate, { section: keyof EnvironmentConfig; what: string }> = {
  health: { section: 'health', what: 'a health section' },
  'backup-restore': { section: 'backup', what: 'a backup section' },
  replay: { section: 'replay', what: 'a replay section' },
  rollback: { section: 'cloudRun', what: 'a cloudRun section' },
};

export interface PlanContext {
  environment: string;
  env: EnvironmentConfig;
  group: string;
  services: ServiceGroupConfig['services'];
}

/** A role or a service id of the group, as the plan may name either. */
export function findRole(services: ServiceGroupConfig['services'], key: string): string | undefined {
  if (services[key]) return key;
  return Object.entries(services).find(([, s]) => s.service === key)?.[0];
}

/** What the plan names that the config does not have; each issue names the plan field. */
export function planContextIssues(plan: RolloutPlan, config: Config): PlanIssue[] {
  const env = config.environments[plan.environment];
  if (!env) return [{ path: ['environment'], message: `environment "${plan.environment}" is not in the config; known: ${Object.keys(config.environments).join(', ')}` }];
  const issues: PlanIssue[] = [];
  if (!env.cloudRun) issues.push({ path: ['environment'], message: `environment "${plan.environment}" has no cloudRun section: there is no traffic to shift` });
  const group = env.serviceGroups[plan.serviceGroup];
  if (!group) {
    const known = Object.keys(env.serviceGroups);
    issues.push({ path: ['serviceGroup'], message: `service group "${plan.serviceGroup}" is not defined in environment "${plan.environment}"; known: ${known.join(', ') || '(none)'}` });
    return issues;
  }
  const roles = Object.entries(group.services).map(([role, s]) => `${role} (${s.service})`).join(', ');
  for (const key of Object.keys(plan.candidates)) {
    if (!findRole(group.services, key)) issues.push({ path: ['candidates', key], message: `unknown service "${key}" in group ${plan.serviceGroup}; known: ${roles}` });
  }
  plan.steps.forEach((step, i) => {
    step.gates.forEach((gate, j) => {
      const need = GATE_NEEDS[gate];
      if (!env[need.section]) issues.push({ path: ['steps', i, 'gates', j], message: `gate "${gate}" needs ${need.what} in environment "${plan.environment}"` });
    });
    step.analysis?.probes.forEach((p, j) => {
      p.services?.forEach((key, k) => {
        if (!findRole(group.services, key)) issues.push({ path: ['steps', i, 'analysis', 'probes', j, 'services', k], message: `unknown service "${key}" in group ${plan.serviceGroup}; known: ${roles}` });
      });
    });
  });
  return issues;
}

/** Parses and validates a plan file (YAML or JSON), or throws ConfigError naming every bad field. */
export function parseRolloutPlan(text: string, source: string): RolloutPlan {
  return parseDocument(RolloutPlanSchema, text, source);
}

/** The plan checked against the config it will run with; throws ConfigError naming the plan's fields. */
export function resolvePlanContext(plan: RolloutPlan, config: Config, source: string): PlanContext {
  const issues = planContextIssues(plan, config);
  if (issues.length > 0) throw new ConfigError(`${source} does not fit the config:`, source, issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`));
  const env = config.environments[plan.environment]!;
  return { environment: plan.environment, env, group: plan.serviceGroup, services: env.serviceGroups[plan.serviceGroup]!.services };
}
