import type { TrafficAllocation } from '../traffic/allocation';
import type { CloudRunTarget } from '../traffic/cloud-run-target';
import { effectiveIdentity } from '../traffic/revision-identity';
import type { RolloutService } from './records';

/**
 * The data-plane probe request of one rollout service at `url` (its service URL or a tag URL): the
 * revisions that count, and the allocation Cloud Run must report in force first when the service's
 * identity strategy cannot name the revision that answered.
 */
export function rolloutServingProbe(
  s: RolloutService,
  url: string,
  expected: string[],
  at: { cloudRun: CloudRunTarget; allocation: TrafficAllocation },
  pace: { consecutiveHealthy: number; probeIntervalMs: number; deadlineMs: number },
) {
  return {
    service: s.service,
    url,
    path: s.probePath,
    identity: s.identity ?? effectiveIdentity({ revisionHeader: s.revisionHeader }),
    ...(s.revisionHeader ? { revisionHeader: s.revisionHeader } : {}),
    inForce: { cloudRun: at.cloudRun, allocation: at.allocation },
    otherRevisions: [s.stable, s.candidate].filter((r) => !expected.includes(r)),
    expectedRevisions: expected,
    consecutive: pace.consecutiveHealthy,
    intervalMs: pace.probeIntervalMs,
    requestTimeoutMs: 5000,
    deadlineMs: pace.deadlineMs,
  };
}
