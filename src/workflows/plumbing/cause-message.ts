import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure } from '@temporalio/workflow';

/**
 * What went wrong, in the words of whoever said it: through the activity and child-workflow
 * wrappers (their own messages name only the activity or child), then down the cause chain until
 * a failure with a type, which is the one that carries the actionable message.
 */
export function causeMessage(err: unknown): string {
  let cur: unknown = err;
  while ((cur instanceof ActivityFailure || cur instanceof ChildWorkflowFailure) && cur.cause) cur = cur.cause;
  while (cur instanceof Error && cur.cause instanceof Error && !(cur instanceof ApplicationFailure && cur.type)) cur = cur.cause;
  return cur instanceof Error ? cur.message : String(cur);
}
