import type { ActivityOptions } from '@temporalio/workflow';
import { DURATION_CAPS_MS } from '../../domain/duration-limits';
import { trafficActivityOptions, type TrafficActivityOptions } from '../plumbing/activity-options';
import { NOTIFY_NON_RETRYABLE, ROLLOUT_NON_RETRYABLE } from '../plumbing/failure-lists';
import type { RolloutInput } from '../../contracts/rollout';

export interface RolloutActivityOptions extends TrafficActivityOptions {
  analysis: ActivityOptions;
  notify: ActivityOptions;
  hook: ActivityOptions;
}

export function rolloutActivityOptions(input: Pick<RolloutInput, 'traffic'>): RolloutActivityOptions {
  return {
    // A failed probe of a step compensates; it is retried less than a drill's, which measures RTO.
    ...trafficActivityOptions(input.traffic, ROLLOUT_NON_RETRYABLE, 3),
    analysis: { startToCloseTimeout: '5 minutes', heartbeatTimeout: '1 minute', retry: { initialInterval: '1s', maximumAttempts: 3 } },
    notify: { startToCloseTimeout: '30 seconds', retry: { initialInterval: '2s', backoffCoefficient: 2, maximumAttempts: 5, nonRetryableErrorTypes: NOTIFY_NON_RETRYABLE } },
    // The hook's own timeout is in the worker's config, which the workflow never reads; the activity
    // enforces it, and this is the longest any declared hook may take.
    hook: {
      startToCloseTimeout: DURATION_CAPS_MS.hook + 30_000,
      heartbeatTimeout: '30 seconds',
      retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5, nonRetryableErrorTypes: ROLLOUT_NON_RETRYABLE },
    },
  };
}
