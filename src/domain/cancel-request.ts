/**
 * Who asked Temporal to cancel a run, as the WorkflowExecutionCancelRequested event records it.
 * Workflow code never sees that event's attributes (the SDK turns it into a bare cancellation), so
 * an activity reads them from the run's own history.
 */
export interface CancelRequest {
  /** The requesting client's identity: the Web UI's signed-in user, `temporal workflow cancel`'s user@host, an SDK client's identity. */
  identity?: string;
  /** The reason the requester gave (the Web UI and the CLI ask for one). */
  reason?: string;
  /** Set when another workflow asked (a parent cancelling its child). */
  byWorkflowId?: string;
}

/** Who cancelled, as a person reads it in the timeline and the audit record. */
export function cancelRequester(req: CancelRequest | undefined): string {
  if (!req) return 'an unknown requester (no cancel request found in the run\'s history)';
  if (req.byWorkflowId) return `workflow ${req.byWorkflowId}${req.identity ? ` (worker ${req.identity})` : ''}`;
  return req.identity?.trim() || 'a client that gave no identity';
}

/** One line for details and notifications: who cancelled, and why. */
export function describeCancelRequest(req: CancelRequest | undefined): string {
  const who = cancelRequester(req);
  return req?.reason?.trim() ? `${who}: "${req.reason.trim()}"` : who;
}
