import type { RolloutResult } from '../../contracts/rollout';
import { trafficLockWorkflowId } from '../../contracts/traffic-lock';
import { loadEnvironment, type GlobalOptions } from '../context';
import { CliError, ExitCode } from '../errors';

/**
 * The rollout a command means: the id given, or the group's traffic lock id (a rollout runs under
 * `traffic-<environment>-<group>`, so operators need not copy ids around).
 */
export function rolloutId(g: GlobalOptions, id: string | undefined, group: string | undefined): string {
  if (id) return id;
  const { name, env, source } = loadEnvironment(g);
  const groups = Object.keys(env.serviceGroups);
  const chosen = group ?? (groups.length === 1 ? groups[0] : undefined);
  if (!chosen) throw new CliError(`environment "${name}" in ${source} has ${groups.length ? 'several service groups' : 'no service groups'}; name the rollout`, ExitCode.usage, groups.length ? `pass --group (one of: ${groups.join(', ')}) or the workflow id` : 'pass the workflow id');
  if (!env.serviceGroups[chosen]) throw new CliError(`environment "${name}" has no service group "${chosen}"`, ExitCode.usage, `one of: ${groups.join(', ') || '(none)'}`);
  return trafficLockWorkflowId(name, chosen);
}

export function exitCodeOf(r: RolloutResult): number {
  return r.outcome === 'promoted' ? ExitCode.ok : ExitCode.failed;
}
