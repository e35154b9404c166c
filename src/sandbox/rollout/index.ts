// The sandbox's stand-ins for a staged rollout: a service group with a candidate deployed beside its
// stable revisions, the cohort flag service hooks switch, and the metrics analysis reads.
export { releaseServiceGroup, RELEASE_SERVICES } from './release-group';
export { startCohortFlagService, type CohortFlagService } from './cohort-flags';
export { startRolloutMetrics, HEALTHY_METRICS, type RolloutMetrics } from './rollout-metrics';
export { startRolloutStandIns, SANDBOX_ROLLOUT_ENVIRONMENT, type RolloutStandIns, type RolloutStandInOptions } from './stand-ins';
export { startSandboxUsers, type SandboxUsers } from './users';
