import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';

/** What the Web UI's "Request Cancellation" sends: the signed-in user's identity and the reason typed. */
export async function requestCancellationAsWebUi(env: TestWorkflowEnvironment, workflowId: string, user: { identity: string; reason: string }): Promise<void> {
  await env.client.workflowService.requestCancelWorkflowExecution({
    namespace: env.namespace ?? 'default',
    workflowExecution: { workflowId },
    identity: user.identity,
    reason: user.reason,
    requestId: randomUUID(),
  });
}
