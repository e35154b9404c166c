import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { HISTOGRAM_BUCKETS } from '../contracts/metrics';

export interface TelemetryOptions {
  /** host:port for the Prometheus endpoint (`/metrics`); none: no metrics are served. */
  metricsAddress?: string;
}

/** What the worker's environment asks for: DRILLCTL_METRICS_ADDRESS (e.g. 0.0.0.0:9464). */
export function telemetryFromEnv(env: NodeJS.ProcessEnv = process.env): TelemetryOptions {
  return { metricsAddress: env.DRILLCTL_METRICS_ADDRESS || undefined };
}

/**
 * Installs the SDK runtime once per process: its log level (DRILLCTL_LOG_LEVEL, default WARN) and,
 * when an address is given, a Prometheus endpoint serving the runtime's own metrics (workflow and
 * activity task latencies, poller and slot counts, ...) and drillctl's (src/contracts/metrics.ts).
 */
export function installRuntime(opts: TelemetryOptions = {}): void {
  const logger = new DefaultLogger((process.env.DRILLCTL_LOG_LEVEL as LogLevel | undefined) ?? 'WARN');
  Runtime.install({
    logger,
    ...(opts.metricsAddress
      ? {
          telemetryOptions: {
            metrics: {
              prometheus: {
                bindAddress: opts.metricsAddress,
                // Prometheus conventions: counters end in _total, durations are in seconds.
                countersTotalSuffix: true,
                useSecondsForDurations: true,
                histogramBucketOverrides: HISTOGRAM_BUCKETS,
              },
            },
          },
        }
      : {}),
  });
}
