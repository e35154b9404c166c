import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TimeoutFailure } from '@temporalio/workflow';
import { resultOfFailure, type FailureCause, type RunConclusion } from '../../contracts/run-conclusion';

/** The cause chain of a failure, outermost first, each link with a type a person or a retry policy can act on. */
export function causeChain(err: unknown): FailureCause[] {
  const chain: FailureCause[] = [];
  let cur: unknown = err;
  while (cur instanceof Error && chain.length < 8) {
    if (cur instanceof ActivityFailure) chain.push({ type: 'ActivityFailure', message: `activity ${cur.activityType} failed` });
    else if (cur instanceof ChildWorkflowFailure) chain.push({ type: 'ChildWorkflowFailure', message: `child workflow ${cur.execution.workflowId} (${cur.workflowType}) failed` });
    else if (cur instanceof ApplicationFailure) chain.push({ type: cur.type ?? 'ApplicationFailure', message: cur.message });
    else if (cur instanceof TimeoutFailure) chain.push({ type: 'TimeoutFailure', message: `timed out (${cur.timeoutType})` });
    else chain.push({ type: cur.name || 'Error', message: cur.message });
    cur = (cur as Error & { cause?: unknown }).cause;
  }
  return chain;
}

/** The result a failed child drill carries (its FAIL is a failure whose details hold the result). */
export function childResult<R>(err: unknown): R | undefined {
  return resultOfFailure<R>(err);
}

/**
 * Ends a run whose verdict is FAIL: the workflow fails (honest in the Web UI), non-retryable, with
 * the conclusion's summary as its message and the whole result as its details.
 */
export function failRun(type: string, result: { conclusion?: RunConclusion }, cause?: unknown): never {
  throw ApplicationFailure.create({
    type,
    message: result.conclusion?.summary ?? 'failed',
    nonRetryable: true,
    details: [result],
    ...(cause instanceof Error ? { cause } : {}),
  });
}
