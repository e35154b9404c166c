import type { ActivityOptions } from '@temporalio/workflow';

/** The timing of traffic changes of an environment (its rollback section). */
export interface TrafficTiming {
  switchTimeoutSeconds: number;
  probeIntervalMs: number;
}

export interface TrafficActivityOptions {
  /** Reads of Cloud Run services. */
  read: ActivityOptions;
  /** A traffic change, which waits for Cloud Run to settle. */
  change: ActivityOptions;
  /** A data-plane probe, which polls until its deadline (the switch timeout). */
  probe: ActivityOptions;
}

/**
 * Activity options for reading, changing and probing Cloud Run traffic. The probe's attempts
 * differ by caller: a drill measures RTO and may retry a probe more than a rollout step, which
 * compensates on failure.
 */
export function trafficActivityOptions(timing: TrafficTiming, nonRetryableErrorTypes: string[], probeAttempts: number): TrafficActivityOptions {
  return {
    read: {
      startToCloseTimeout: '1 minute',
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 5, nonRetryableErrorTypes },
    },
    change: {
      startToCloseTimeout: `${timing.switchTimeoutSeconds + 60} seconds`,
      heartbeatTimeout: '30 seconds',
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '15s', maximumAttempts: 5, nonRetryableErrorTypes },
    },
    probe: {
      startToCloseTimeout: `${timing.switchTimeoutSeconds + 30} seconds`,
      heartbeatTimeout: `${Math.max(10, Math.ceil((timing.probeIntervalMs * 5) / 1000))} seconds`,
      retry: { initialInterval: '1s', maximumAttempts: probeAttempts, nonRetryableErrorTypes },
    },
  };
}
