import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { WorkflowClient, WorkflowHandleWithFirstExecutionRunId, WorkflowStartOptions } from '@temporalio/client';

/**
 * One lock per service group for every workflow that changes its traffic (rollback drill, staged
 * rollout, ...), kept by Temporal itself: such a workflow runs under the Workflow ID
 * `traffic-<environment>-<group>` and is started with workflowIdConflictPolicy FAIL, so while one
 * runs any other is refused. Once it closes the ID is free again
 * (reuse policy ALLOW_DUPLICATE).
 *
 * A workflow that holds the lock and wants to run another traffic-changing workflow as a child
 * uses `trafficLockChildId(lockId, name)`: it already owns the group.
 */
export function trafficLockWorkflowId(environment: string, group: string): string {
  return `traffic-${environment}-${group}`;
}

export function trafficLockChildId(lockWorkflowId: string, name: string): string {
  return `${lockWorkflowId}/${name}`;
}

/** True when `workflowId` is the group's lock or a child of its holder. */
export function holdsTrafficLock(workflowId: string, environment: string, group: string): boolean {
  const lock = trafficLockWorkflowId(environment, group);
  return workflowId === lock || workflowId.startsWith(`${lock}/`);
}

export const TRAFFIC_LOCK_POLICIES = { workflowIdConflictPolicy: 'FAIL', workflowIdReusePolicy: 'ALLOW_DUPLICATE' } as const;

/** Another traffic-changing workflow runs on the group: who holds it, and what to do. */
export class TrafficLockHeldError extends Error {
  constructor(
    readonly environment: string,
    readonly group: string,
    readonly workflowId: string,
    readonly holderType: string,
    readonly holderStartedAt?: Date,
  ) {
    super(
      `service group ${group} in ${environment} is already being changed by ${holderType} ${workflowId}` +
        `${holderStartedAt ? ` (started ${holderStartedAt.toISOString()})` : ''}; only one traffic-changing workflow may run per service group: wait for it to finish, or cancel it`,
    );
    this.name = 'TrafficLockHeldError';
  }
}

export type TrafficLockedStart = Omit<WorkflowStartOptions, 'workflowId' | 'workflowIdConflictPolicy' | 'workflowIdReusePolicy'> & {
  environment: string;
  group: string;
};

/**
 * Starts `workflowType` under the group's traffic lock. Throws TrafficLockHeldError naming the
 * running holder when the group is busy.
 */
export async function startUnderTrafficLock(client: WorkflowClient, workflowType: string, opts: TrafficLockedStart): Promise<WorkflowHandleWithFirstExecutionRunId> {
  const { environment, group, ...start } = opts;
  const workflowId = trafficLockWorkflowId(environment, group);
  try {
    return await client.start(workflowType, { ...start, workflowId, ...TRAFFIC_LOCK_POLICIES } as WorkflowStartOptions);
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const holder = await client
      .getHandle(workflowId)
      .describe()
      .catch(() => undefined);
    throw new TrafficLockHeldError(environment, group, workflowId, holder?.type ?? err.workflowType ?? 'a workflow', holder?.startTime);
  }
}
