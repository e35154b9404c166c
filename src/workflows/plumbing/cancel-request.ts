import { CancellationScope, patched, workflowInfo, type ActivityInterfaceFor } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { describeCancelRequest } from '../../domain/cancel-request';
import { causeMessage } from './cause-message';

/** Runs from here on read who cancelled them from their own history. */
export const WHO_CANCELLED_PATCH = 'record-who-cancelled';

/**
 * Who asked Temporal to cancel this run, and why, as one line; undefined on runs recorded before
 * the patch. Call it after the compensation has been scheduled: it runs beside it (an activity
 * reads the WorkflowExecutionCancelRequested event, which workflow code cannot see) and never
 * delays it. Never rejects.
 */
export function whoCancelled(acts: ActivityInterfaceFor<Activities>): Promise<string> | undefined {
  if (!patched(WHO_CANCELLED_PATCH)) return undefined;
  const { workflowId, runId } = workflowInfo();
  return CancellationScope.nonCancellable(() =>
    acts.readCancelRequest.executeWithOptions({ startToCloseTimeout: '1 minute', retry: { initialInterval: '1s', maximumAttempts: 3 }, summary: 'read who cancelled this run' }, [{ workflowId, runId }]),
  ).then(describeCancelRequest, (err: unknown) => `an unknown requester (the cancel request could not be read: ${causeMessage(err)})`);
}
