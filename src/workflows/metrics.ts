import { metricMeter } from '@temporalio/workflow';
import type { RolloutPhase } from '../domain/rollout/records';
import { DRILL_OUTCOMES, RESTORE_SECONDS, ROLLOUT_COMPENSATION_STUCK, ROLLOUT_PHASE, ROLLOUT_STEP, RTO_SECONDS, SNAPSHOT_BYTES } from '../contracts/metrics';

// The SDK's workflow metric meter drops what a replaying workflow records, so a worker restart
// does not count a drill twice. Every metric also carries the SDK's namespace, taskQueue and
// workflowType labels.

export interface DrillOutcome {
  kind: string;
  environment: string;
  /** PASS, FAIL (also a failed workflow whose failure carries its result), PLANNED (a dry run), ERROR (failed without a result) or CANCELLED. */
  verdict: string;
  group?: string;
  rtoSeconds?: number;
  /** Seconds to put things back: a rollback's traffic restore, a backup drill's import. */
  restoreSeconds?: number;
  snapshotBytes?: number;
}

export function recordDrillOutcome(o: DrillOutcome): void {
  metricMeter
    .createCounter(DRILL_OUTCOMES, undefined, 'Drills, gates and rollouts that ended, by kind, environment and verdict')
    .add(1, { kind: o.kind, environment: o.environment, verdict: o.verdict });
  if (o.rtoSeconds !== undefined) {
    metricMeter
      .createHistogram(RTO_SECONDS, 'float', 's', 'Recovery time of applied rollback drills, from the first traffic change to the target serving')
      .record(o.rtoSeconds, { environment: o.environment, group: o.group ?? '', verdict: o.verdict });
  }
  if (o.restoreSeconds !== undefined) {
    metricMeter
      .createHistogram(RESTORE_SECONDS, 'float', 's', 'Restore durations: traffic back after a rollback drill, snapshot import of a backup drill')
      .record(o.restoreSeconds, { kind: o.kind, environment: o.environment });
  }
  if (o.snapshotBytes !== undefined) {
    metricMeter.createGauge(SNAPSHOT_BYTES, 'int', 'By', 'Size of the latest verified snapshot of a backup drill').set(o.snapshotBytes, { environment: o.environment });
  }
}

/** The service group a rollout or rollback drill changes, as metric labels. */
export interface GroupTags {
  environment: string;
  group: string;
}

/** The rollout's current step (1-based; 0 in pre-flight) and phase (1 for the current phase, 0 for the one it left). */
export function recordRolloutPhase(tags: GroupTags, previous: RolloutPhase | undefined, phase: RolloutPhase, stepNumber: number): void {
  const labels = { environment: tags.environment, group: tags.group };
  metricMeter.createGauge(ROLLOUT_STEP, 'int', undefined, 'Current step of the rollout of a service group (0: pre-flight)').set(stepNumber, labels);
  const gauge = metricMeter.createGauge(ROLLOUT_PHASE, 'int', undefined, 'Phase of the rollout of a service group: 1 for the current one');
  if (previous && previous !== phase) gauge.set(0, { ...labels, phase: previous });
  gauge.set(1, { ...labels, phase });
}

/**
 * 1 while a compensation step fails and is being retried, 0 once it succeeds: a rollout's abort and
 * a rollback drill's restore alike (the group's traffic lock lets only one of them run at a time).
 */
export function recordCompensationStuck(tags: GroupTags, stuck: boolean): void {
  metricMeter
    .createGauge(ROLLOUT_COMPENSATION_STUCK, 'int', undefined, "A compensation keeps failing and is retried: a rollout's abort (stable traffic back, hooks undone) or a rollback drill's restore")
    .set(stuck ? 1 : 0, { environment: tags.environment, group: tags.group });
}
