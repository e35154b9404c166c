import { nearestName } from '../nearest-name';
import type { RolloutConfig } from './config-section';
import { PLACEHOLDER, type HookAction } from './hook-schema';

/** A parameter value may fill an argv element or a URL segment: a short word, never read as a flag. */
export const PARAM_VALUE = /^[A-Za-z0-9_][A-Za-z0-9_.:@-]{0,63}$/;

export interface HookUse {
  name: string;
  params?: Record<string, string>;
}

export interface HookUseIssue {
  /** Below the plan's hook entry: `name`, or `params.NAME`. */
  path: string[];
  message: string;
}

function known(names: string[]): string {
  return names.length ? names.join(', ') : 'none';
}

/** What is wrong with a plan's use of a hook, checked against the environment's declared hooks. */
export function hookUseIssues(use: HookUse, rollout: Pick<RolloutConfig, 'hooks'> | undefined, environment: string): HookUseIssue[] {
  const hooks = rollout?.hooks ?? {};
  const def = hooks[use.name];
  if (!def) {
    const near = nearestName(use.name, Object.keys(hooks));
    return [{ path: ['name'], message: `hook "${use.name}" is not declared in environments.${environment}.rollout.hooks of the worker's config${near ? `; did you mean "${near}"?` : ''} (known: ${known(Object.keys(hooks))})` }];
  }
  const given = use.params ?? {};
  const issues: HookUseIssue[] = [];
  for (const [name, value] of Object.entries(given)) {
    if (!def.params.includes(name)) {
      const near = nearestName(name, def.params);
      issues.push({ path: ['params', name], message: `hook "${use.name}" takes no parameter "${name}"${near ? `; did you mean "${near}"?` : ''} (it takes: ${known(def.params)})` });
    } else if (!PARAM_VALUE.test(value)) {
      issues.push({ path: ['params', name], message: 'expected a short value: letters, digits, _ . : @ - (not starting with -)' });
    }
  }
  for (const name of def.params) if (given[name] === undefined) issues.push({ path: ['params', name], message: `required by hook "${use.name}"` });
  return issues;
}

function fill(text: string, params: Record<string, string>, encode: (v: string) => string): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => (params[name] === undefined ? whole : encode(params[name]!)));
}

function fillDeep(v: unknown, params: Record<string, string>): unknown {
  if (typeof v === 'string') return fill(v, params, (x) => x);
  if (Array.isArray(v)) return v.map((x) => fillDeep(x, params));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fillDeep(x, params)]));
  return v;
}

/**
 * The action a declared hook runs in one direction, with the plan's parameters filled in (URL
 * placeholders URL-encoded). Throws, naming the problem, when the use does not fit the declaration.
 */
export function resolveHookAction(use: HookUse, rollout: Pick<RolloutConfig, 'hooks'> | undefined, environment: string, direction: 'do' | 'undo'): HookAction {
  const issues = hookUseIssues(use, rollout, environment);
  if (issues.length > 0) throw new Error(issues.map((i) => (i.path[0] === 'name' ? i.message : `${i.path.join('.')}: ${i.message}`)).join('; '));
  const params = use.params ?? {};
  const action = rollout!.hooks[use.name]![direction];
  if (action.command) return { command: { ...action.command, argv: action.command.argv.map((a) => fill(a, params, (x) => x)) } };
  const http = action.http!;
  return { http: { ...http, url: fill(http.url, params, encodeURIComponent), headers: fillDeep(http.headers, params) as Record<string, string>, body: fillDeep(http.body, params) } };
}
