import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const { EventType } = temporal.api.enums.v1;

export interface ChainedRun {
  runId: string;
  /** The run's last event type, e.g. EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW; undefined while it runs. */
  closedAs?: string;
  events: number;
  /** Activities the run scheduled that have not ended (asked to cancel is not ended): a closed run dropped them. */
  unfinishedActivities: string[];
}

/**
 * Every run of a workflow id from the first one, following continue-as-new through the runs'
 * own histories (works on the time-skipping test server, which has no visibility queries).
 */
export async function runChain(client: Client, workflowId: string, firstRunId: string): Promise<ChainedRun[]> {
  const runs: ChainedRun[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    const last = events[events.length - 1];
    const type = last?.eventType ?? undefined;
    const closed = type !== undefined && type !== null && [
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
    ].includes(type);
    runs.push({ runId, events: events.length, unfinishedActivities: unfinishedActivities(events), ...(closed ? { closedAs: EventType[type] } : {}) });
    runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

function unfinishedActivities(events: temporal.api.history.v1.IHistoryEvent[]): string[] {
  const ended = new Set<string>();
  for (const e of events) {
    const a = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
    if (a?.scheduledEventId) ended.add(String(a.scheduledEventId));
  }
  return events.flatMap((e) => (e.activityTaskScheduledEventAttributes && !ended.has(String(e.eventId)) ? [e.activityTaskScheduledEventAttributes.activityType?.name ?? '?'] : []));
}
