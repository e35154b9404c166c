import { activityInfo, Context, heartbeat, sleep } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { allocationsEqual, describeAllocation, type TrafficAllocation } from '../../domain/traffic/allocation';
import { describeServing, servingShares, trafficSettled, type RevisionInfo, type ServiceSnapshot } from '../../domain/traffic/service-state';
import { TrafficFailure } from './api-errors';
import { cloudRunClients, type CloudRunTarget } from './cloud-run-clients';
import { CloudRunTrafficAdapter, type TrafficPort } from './cloud-run-traffic';

export interface DescribeServiceRequest {
  cloudRun: CloudRunTarget;
  service: string;
}

export interface DescribedService {
  snapshot: ServiceSnapshot;
  revisions: RevisionInfo[];
}

export interface ShiftTrafficRequest {
  cloudRun: CloudRunTarget;
  service: string;
  /** The allocation the plan was made from; anything else means someone else changed the service. */
  from: TrafficAllocation;
  to: TrafficAllocation;
  /** How long to wait for the control plane to settle. */
  settleTimeoutMs: number;
}

export interface RestoreTrafficRequest {
  cloudRun: CloudRunTarget;
  service: string;
  allocation: TrafficAllocation;
  settleTimeoutMs: number;
}

export interface TrafficChangeOutcome {
  snapshot: ServiceSnapshot;
  /** False when the service already had the allocation (a retried activity, or nothing to undo). */
  changed: boolean;
}

export interface ReadinessRequest {
  cloudRun: CloudRunTarget;
  service: string;
}

export interface ReadinessOutcome {
  service: string;
  detail: string;
  serving: string;
  /** Which attempt succeeded (the activity's retries are the polling). */
  attempt: number;
}

export interface TrafficActivityDeps {
  /** The traffic port for an environment; the real Cloud Run adapter unless a test passes another. */
  trafficPort?: (target: CloudRunTarget, onProgress: () => void) => TrafficPort;
}

const SETTLE_POLL_MS = 500;

function realPort(target: CloudRunTarget, onProgress: () => void): TrafficPort {
  return new CloudRunTrafficAdapter(target, cloudRunClients(target), { onProgress });
}

/** Heartbeats when running as an activity; a no-op when called directly. */
function beat(details?: unknown): void {
  try {
    heartbeat(details);
  } catch {
    // not inside an activity
  }
}

function currentAttempt(): number {
  try {
    return activityInfo().attempt;
  } catch {
    return 1;
  }
}

async function pause(ms: number): Promise<void> {
  try {
    Context.current();
  } catch {
    await new Promise((r) => setTimeout(r, ms));
    return;
  }
  await sleep(ms);
}

/**
 * Waits until the control plane reports the service's current traffic routed. A change that failed to route throws, so the activity retries it.
 */
async function waitUntilSettled(port: TrafficPort, service: string, first: ServiceSnapshot, timeoutMs: number): Promise<ServiceSnapshot> {
  const deadline = Date.now() + timeoutMs;
  let s = first;
  for (;;) {
    if (trafficSettled(s)) return s;
    if (!s.reconciling && s.observedGeneration >= s.generation && !s.ready) {
      throw ApplicationFailure.retryable(`service ${service} did not become Ready after its traffic change (${s.readyDetail}); retrying`, TrafficFailure.operationFailed);
    }
    if (Date.now() > deadline) {
      throw ApplicationFailure.retryable(`service ${service} was still reconciling after ${Math.round(timeoutMs / 1000)} s (generation ${s.generation}, observed ${s.observedGeneration})`, TrafficFailure.unavailable);
    }
    beat({ service, generation: s.generation });
    await pause(SETTLE_POLL_MS);
    s = await port.readService(service);
  }
}

/** Activities that read and change Cloud Run traffic. Every change is idempotent, so retries are safe. */
export function createTrafficActivities(deps: TrafficActivityDeps = {}) {
  const portFor = (target: CloudRunTarget) => (deps.trafficPort ?? realPort)(target, () => beat());

  return {
    /** A service's traffic, status and revisions, as one consistent read for planning. */
    async describeCloudRunService(req: DescribeServiceRequest): Promise<DescribedService> {
      const port = portFor(req.cloudRun);
      const snapshot = await port.readService(req.service);
      const revisions = await port.listRevisions(req.service);
      return { snapshot, revisions };
    },

    /**
     * Moves a service from the planned allocation to the new one. Refuses (non-retryable) when the
     * service holds neither: someone else changed it, and the snapshot to restore would be stale.
     */
    async shiftTraffic(req: ShiftTrafficRequest): Promise<TrafficChangeOutcome> {
      const port = portFor(req.cloudRun);
      const s = await port.readService(req.service);
      if (allocationsEqual(s.traffic, req.to) && (s.reconciling || trafficSettled(s))) {
        return { snapshot: await waitUntilSettled(port, req.service, s, req.settleTimeoutMs), changed: false };
      }
      if (!allocationsEqual(s.traffic, req.from) && !allocationsEqual(s.traffic, req.to)) {
        throw ApplicationFailure.nonRetryable(
          `traffic of service ${req.service} changed since the drill read it: now ${describeAllocation(s.traffic)}, planned from ${describeAllocation(req.from)}; nothing was changed, run the drill again`,
          TrafficFailure.trafficChanged,
        );
      }
      const after = await port.applyAllocation(req.service, req.to, s.etag);
      return { snapshot: await waitUntilSettled(port, req.service, after, req.settleTimeoutMs), changed: true };
    },

    /** Puts a service back on `allocation` exactly, whatever it holds now; a no-op when it already does. */
    async restoreTraffic(req: RestoreTrafficRequest): Promise<TrafficChangeOutcome> {
      const port = portFor(req.cloudRun);
      const s = await port.readService(req.service);
      if (allocationsEqual(s.traffic, req.allocation) && (s.reconciling || trafficSettled(s))) {
        return { snapshot: await waitUntilSettled(port, req.service, s, req.settleTimeoutMs), changed: false };
      }
      const after = await port.applyAllocation(req.service, req.allocation, s.etag);
      return { snapshot: await waitUntilSettled(port, req.service, after, req.settleTimeoutMs), changed: true };
    },

    /** Cloud Run's own Ready condition for a service, read by type; throws (retryably) while not Ready. */
    async checkCloudRunReadiness(req: ReadinessRequest): Promise<ReadinessOutcome> {
      const s = await portFor(req.cloudRun).readService(req.service);
      const serving = describeServing(servingShares(s));
      if (!s.ready) throw ApplicationFailure.retryable(`service ${req.service} is not Ready: ${s.readyDetail}`, 'CloudRunNotReady');
      return { service: req.service, detail: `Ready, serving ${serving}`, serving, attempt: currentAttempt() };
    },
  };
}
