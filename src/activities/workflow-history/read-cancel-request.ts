import { Context } from '@temporalio/activity';
import { temporal } from '@temporalio/proto';
import type { CancelRequest } from '../../domain/cancel-request';

const CANCEL_REQUESTED = temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED;

export interface CancelRequestQuery {
  workflowId: string;
  runId: string;
}

/**
 * The latest cancel request of a run, read from its own history through the worker's client.
 * Undefined when the run has none (a cancellation can also come from a parent closing). The runs
 * that ask continue as new before their history gets long, so reading it whole stays cheap.
 */
export async function readCancelRequest(q: CancelRequestQuery): Promise<CancelRequest | undefined> {
  const history = await Context.current().client.workflow.getHandle(q.workflowId, q.runId).fetchHistory();
  const event = [...(history.events ?? [])].reverse().find((e) => e.eventType === CANCEL_REQUESTED);
  if (!event) return undefined;
  const a = event.workflowExecutionCancelRequestedEventAttributes;
  return {
    ...(a?.identity ? { identity: a.identity } : {}),
    ...(a?.cause ? { reason: a.cause } : {}),
    ...(a?.externalWorkflowExecution?.workflowId ? { byWorkflowId: a.externalWorkflowExecution.workflowId } : {}),
  };
}
