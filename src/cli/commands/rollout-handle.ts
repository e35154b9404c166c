import type { Client, WorkflowHandle } from '@temporalio/client';
import { ROLLOUT_WORKFLOW, type RolloutResult } from '../../shared/rollout';
import { trafficLockWorkflowId } from '../../shared/traffic-lock';
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

export interface RolloutRef {
  handle: WorkflowHandle;
  running: boolean;
}

/** The rollout's handle, refusing ids that name something else (a rollback drill holds the same lock id). */
export async function rolloutHandle(client: Client, workflowId: string): Promise<RolloutRef> {
  const handle = client.workflow.getHandle(workflowId);
  const d = await handle.describe();
  if (d.type !== ROLLOUT_WORKFLOW) throw new CliError(`${workflowId} is a ${d.type} workflow, not a rollout`, ExitCode.usage, 'name a rollout; `drillctl rollout list` shows them');
  return { handle, running: d.status.name === 'RUNNING' };
}

export { finishedRollout } from '../../shared/rollout';

export function exitCodeOf(r: RolloutResult): number {
  return r.outcome === 'promoted' ? ExitCode.ok : ExitCode.failed;
}
