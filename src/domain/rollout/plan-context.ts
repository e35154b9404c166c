import { parse as parseYaml } from 'yaml';
import { checkDocumentSize, ConfigError, formatIssues } from '../config/parse';
import { nearestName } from '../nearest-name';
import type { Config, EnvironmentConfig, ServiceGroupConfig } from '../config/schema';
import { hookUseIssues } from './hook-resolution';
import { metricUseIssues } from './metric-use';
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
  if (plan.notify && !env.rollout.notifications[plan.notify.target]) {
    const names = Object.keys(env.rollout.notifications);
    const near = nearestName(plan.notify.target, names);
    issues.push({ path: ['notify', 'target'], message: `notification target "${plan.notify.target}" is not declared in environments.${plan.environment}.rollout.notifications of the worker's config${near ? `; did you mean "${near}"?` : ''} (known: ${names.join(', ') || 'none'})` });
  }
  plan.steps.forEach((step, i) => {
    step.hooks.forEach((hook, j) => {
      for (const issue of hookUseIssues(hook, env.rollout, plan.environment)) issues.push({ path: ['steps', i, 'hooks', j, ...issue.path], message: issue.message });
    });
    step.gates.forEach((gate, j) => {
      const need = GATE_NEEDS[gate];
      if (!env[need.section]) issues.push({ path: ['steps', i, 'gates', j], message: `gate "${gate}" needs ${need.what} in environment "${plan.environment}"` });
    });
    step.analysis?.probes.forEach((p, j) => {
      p.services?.forEach((key, k) => {
        if (!findRole(group.services, key)) issues.push({ path: ['steps', i, 'analysis', 'probes', j, 'services', k], message: `unknown service "${key}" in group ${plan.serviceGroup}; known: ${roles}` });
      });
    });
    step.analysis?.metrics.forEach((m, j) => {
      for (const issue of metricUseIssues(m, env.rollout.metricProviders, plan.environment)) issues.push({ path: ['steps', i, 'analysis', 'metrics', j, ...issue.path], message: issue.message });
      m.services?.forEach((key, k) => {
        if (!findRole(group.services, key)) issues.push({ path: ['steps', i, 'analysis', 'metrics', j, 'services', k], message: `unknown service "${key}" in group ${plan.serviceGroup}; known: ${roles}` });
      });
    });
  });
  return issues;
}

/**
 * A plan file's raw document: YAML (or JSON) with merge keys (`<<: *anchor`), and top-level keys
 * starting with `x-` dropped, so they can hold the anchors steps share.
 */
export function readPlanDocument(text: string, source: string): unknown {
  checkDocumentSize(text, source);
  let raw: unknown;
  try {
    raw = parseYaml(text, { merge: true });
  } catch (err) {
    throw new ConfigError(`${source} is not valid YAML or JSON: ${(err as Error).message}`, source);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  return Object.fromEntries(Object.entries(raw).filter(([k]) => !k.startsWith('x-')));
}

function validatePlan(raw: unknown, source: string, earlier: string[] = []): RolloutPlan {
  const parsed = RolloutPlanSchema.safeParse(raw);
  const issues = [...earlier, ...(parsed.success ? [] : formatIssues(parsed.error))];
  if (!parsed.success || issues.length > 0) throw new ConfigError(`${source} is invalid:`, source, issues);
  return parsed.data;
}

/** Parses and validates a plan file (YAML or JSON) on its own, or throws ConfigError naming every bad field. */
export function parseRolloutPlan(text: string, source: string): RolloutPlan {
  return validatePlan(readPlanDocument(text, source), source);
}

/** The plan checked against the config it will run with; throws ConfigError naming the plan's fields. */
export function resolvePlanContext(plan: RolloutPlan, config: Config, source: string): PlanContext {
  const issues = planContextIssues(plan, config);
  if (issues.length > 0) throw new ConfigError(`${source} does not fit the config:`, source, issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`));
  const env = config.environments[plan.environment]!;
  return { environment: plan.environment, env, group: plan.serviceGroup, services: env.serviceGroups[plan.serviceGroup]!.services };
}

const ENDPOINT_REF = /\$\{endpoints\.([^}]*)\}/g;

/**
 * Replaces `${endpoints.NAME}` in every string of a raw plan with the environment's
 * `rollout.endpoints.NAME`, so one plan serves every environment (and the sandbox, whose ports
 * change on every start). Unknown names are issues at the field that used them.
 */
export function expandEndpoints(raw: unknown, endpoints: Record<string, string>, environment: string): { value: unknown; issues: PlanIssue[] } {
  const issues: PlanIssue[] = [];
  const known = Object.keys(endpoints);
  const walk = (v: unknown, path: (string | number)[]): unknown => {
    if (typeof v === 'string') {
      return v.replace(ENDPOINT_REF, (whole, name: string) => {
        const url = endpoints[name];
        if (url !== undefined) return url.replace(/\/$/, '');
        issues.push({ path, message: `${whole} is not defined in environments.${environment}.rollout.endpoints (known: ${known.join(', ') || 'none'})` });
        return whole;
      });
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...path, k])]));
    return v;
  };
  return { value: walk(raw, []), issues };
}

/**
 * A plan file read for the config it will run with: YAML or JSON, endpoints expanded, validated
 * field by field, then checked against the environment and its service group. Throws ConfigError
 * naming every bad field of the plan.
 */
export function loadRolloutPlan(text: string, source: string, config: Config): { plan: RolloutPlan; context: PlanContext } {
  const raw = readPlanDocument(text, source);
  const envName = raw && typeof raw === 'object' ? (raw as { environment?: unknown }).environment : undefined;
  const env = typeof envName === 'string' ? config.environments[envName] : undefined;
  const expanded = expandEndpoints(raw, Object.fromEntries(Object.entries(env?.rollout.endpoints ?? {}).map(([name, e]) => [name, e.url])), String(envName));
  const plan = validatePlan(expanded.value, source, expanded.issues.map((i) => `${i.path.map(String).join('.') || '(top level)'}: ${i.message}`));
  return { plan, context: resolvePlanContext(plan, config, source) };
}
