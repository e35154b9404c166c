// Failure types (the `type` of an ApplicationFailure) of each adapter family, and the ones no retry
// can fix. Activities throw them; workflows name the non-retryable ones in their retry policies as a
// second guard; the CLI tells failures apart by them. Pure, so both sides import this one list.

/** The Cloud Run traffic adapter. */
export const TrafficFailure = {
  /** UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, INTERNAL: retrying can fix it. */
  unavailable: 'CloudRunUnavailable',
  /** ABORTED: the etag read is stale (someone else changed the service); re-read and retry. */
  conflict: 'CloudRunConflict',
  invalidArgument: 'CloudRunInvalidArgument',
  notFound: 'CloudRunNotFound',
  permissionDenied: 'CloudRunPermissionDenied',
  failedPrecondition: 'CloudRunFailedPrecondition',
  /** The long-running operation finished with an error. */
  operationFailed: 'CloudRunOperationFailed',
  /** Traffic is not what the plan started from: someone else changed it since. */
  trafficChanged: 'TrafficChangedConcurrently',
  /** The API returned something this tool cannot represent faithfully. */
  unexpectedResponse: 'CloudRunUnexpectedResponse',
  configInvalid: 'CloudRunConfigInvalid',
} as const;

export const NON_RETRYABLE_TRAFFIC_FAILURES: readonly string[] = [
  TrafficFailure.invalidArgument,
  TrafficFailure.notFound,
  TrafficFailure.permissionDenied,
  TrafficFailure.failedPrecondition,
  TrafficFailure.trafficChanged,
  TrafficFailure.unexpectedResponse,
  TrafficFailure.configInvalid,
];

/** The data-plane probe of a traffic change. */
export const ProbeFailure = {
  /** The expected revision never answered healthy (or the API never showed the allocation) before the deadline. */
  revisionNotSeen: 'ServingRevisionNotSeen',
} as const;

export const NON_RETRYABLE_PROBE_FAILURES: readonly string[] = [ProbeFailure.revisionNotSeen];

/** Cohort hooks (the commands and HTTP calls a rollout step runs for its cohort). */
export const CohortHookFailure = {
  failed: 'CohortHookFailed',
  rejected: 'CohortHookRejected',
  notFound: 'CohortHookCommandNotFound',
  unknown: 'CohortHookUnknown',
} as const;

export const NON_RETRYABLE_HOOK_FAILURES: readonly string[] = [CohortHookFailure.rejected, CohortHookFailure.notFound];

/** Secret references (env:, file:, Secret Manager). */
export const SecretFailure = {
  unavailable: 'SecretUnavailable',
} as const;

export const NON_RETRYABLE_SECRET_FAILURES: readonly string[] = [SecretFailure.unavailable];
