import { CancellationScope, patched, workflowInfo, type ActivityInterfaceFor } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { cancelRequester, describeCancelRequest } from '../../domain/cancel-request';
import { causeMessage } from './cause-message';

/** Runs from here on read who cancelled them from their own history. */
export const WHO_CANCELLED_PATCH = 'record-who-cancelled';

export interface Canceller {
  /** Who asked: the Web UI's user, the CLI's user@host, a parent workflow. */
  by: string;
  /** Who asked and why, in one line. */
  description: string;
}

/**
 * Who asked Temporal to cancel this run, and why; undefined on runs recorded before the patch. Call it after the compensation has been scheduled: it runs beside it (an activity
 * reads the WorkflowExecutionCancelRequested event, which workflow code cannot see) and never
 * delays it. Never rejects.
 */
export function whoCancelled(acts: ActivityInterfaceFor<Activities>): Promise<Canceller> | undefined {
  if (!patched(WHO_CANCELLED_PATCH)) return undefined;
  const { workflowId, runId } = workflowInfo();
  return CancellationScope.nonCancellable(() =>
    acts.readCancelRequest.executeWithOptions({ startToCloseTimeout: '1 minute', retry: { initialInterval: '1s', maximumAttempts: 3 }, summary: 'read who cancelled this run' }, [{ workflowId, runId }]),
  ).then(
    (req) => ({ by: cancelRequester(req), description: describeCancelRequest(req) }),
    (err: unknown) => {
      const unknown = `an unknown requester (the cancel request could not be read: ${causeMessage(err)})`;
      return { by: unknown, description: unknown };
    },
  );
}
