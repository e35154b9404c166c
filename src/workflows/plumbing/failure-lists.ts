import { NON_RETRYABLE_HOOK_FAILURES, NON_RETRYABLE_PROBE_FAILURES, NON_RETRYABLE_SECRET_FAILURES, NON_RETRYABLE_TRAFFIC_FAILURES } from '../../domain/failure-types';

// What each workflow names in its retry policies as a second guard (the activities mark these
// failures non-retryable themselves), composed from the adapter families' lists.

/** A traffic change on Cloud Run and its data-plane probe. */
export const TRAFFIC_CHANGE_NON_RETRYABLE: string[] = [...NON_RETRYABLE_TRAFFIC_FAILURES, ...NON_RETRYABLE_PROBE_FAILURES];

/** A rollout step: traffic changes, probes, cohort hooks and the secrets they read. */
export const ROLLOUT_NON_RETRYABLE: string[] = [...TRAFFIC_CHANGE_NON_RETRYABLE, ...NON_RETRYABLE_HOOK_FAILURES, ...NON_RETRYABLE_SECRET_FAILURES];

/** A notification: only a secret that cannot be read is beyond a retry. */
export const NOTIFY_NON_RETRYABLE: string[] = [...NON_RETRYABLE_SECRET_FAILURES];
