/**
 * drillctl's own metrics, one home for their names, labels and buckets. Workflows record them
 * through the SDK's metric meter (src/workflows/metrics.ts), so the worker serves them on the same
 * Prometheus endpoint as the SDK runtime's own metrics (src/temporal/telemetry.ts), and nothing is
 * recorded twice when a workflow replays.
 */
export const DRILL_OUTCOMES = 'drillctl_drill_outcomes';
export const RTO_SECONDS = 'drillctl_rto_seconds';
export const RESTORE_SECONDS = 'drillctl_restore_seconds';
export const SNAPSHOT_BYTES = 'drillctl_snapshot_bytes';
export const ROLLOUT_STEP = 'drillctl_rollout_step';
export const ROLLOUT_PHASE = 'drillctl_rollout_phase';
export const ROLLOUT_COMPENSATION_STUCK = 'drillctl_rollout_compensation_stuck';

/** Bucket boundaries (seconds) of the RTO and restore histograms: a drill's RTO target is minutes. */
export const SECONDS_BUCKETS = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600];

/** Histograms whose buckets differ from the SDK's defaults (which suit milliseconds). */
export const HISTOGRAM_BUCKETS: Record<string, number[]> = {
  [RTO_SECONDS]: SECONDS_BUCKETS,
  [RESTORE_SECONDS]: SECONDS_BUCKETS,
};
