import { MetricServiceClient } from '@google-cloud/monitoring';
import { ApplicationFailure } from '@temporalio/common';
import { cloudRunClientOptions } from '../traffic/cloud-run-clients';
import { bucketBounds, distributionPercentile, type BucketOptions } from '../../domain/rollout/distribution';
import type { CloudRunMetric } from '../../domain/rollout/metric-check-schema';
import type { RevisionSide } from '../../domain/rollout/revision-metrics';

/** Where one environment reads Cloud Monitoring (no secrets: Google's default credentials, or an emulator). */
export interface MonitoringTarget {
  project: string;
  /** Cloud Run's region: revisions of the same name in other regions are other series. */
  region: string;
  apiEndpoint?: string;
  sandbox: boolean;
}

const clients = new Map<string, MetricServiceClient>();

/** One client per endpoint and project for the worker's life (it holds a gRPC channel). */
export function monitoringClient(target: MonitoringTarget): MetricServiceClient {
  const key = JSON.stringify([target.project, target.apiEndpoint ?? '', target.sandbox]);
  let client = clients.get(key);
  if (!client) {
    try {
      // The same rules as the Cloud Run clients: an emulator endpoint only for a sandbox, on loopback, plaintext.
      client = new MetricServiceClient(cloudRunClientOptions({ project: target.project, region: target.region, apiEndpoint: target.apiEndpoint, sandbox: target.sandbox }));
    } catch (err) {
      if (err instanceof ApplicationFailure) throw ApplicationFailure.nonRetryable(err.message.replace('cloudRun.apiEndpoint', 'cloudMonitoring.apiEndpoint').replace('use Cloud Run', 'use Cloud Monitoring'), 'MonitoringConfigInvalid');
      throw err;
    }
    clients.set(key, client);
  }
  return client;
}

export async function closeMonitoringClients(): Promise<void> {
  const all = [...clients.values()];
  clients.clear();
  await Promise.all(all.map((c) => c.close().catch(() => undefined)));
}

const num = (v: unknown): number => Number(String(v ?? 0));
const seconds = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 });

function revisionFilter(metricType: string, target: MonitoringTarget, service: string, revision: string): string {
  return [
    `metric.type = "${metricType}"`,
    'resource.type = "cloud_run_revision"',
    `resource.labels.location = "${target.region}"`,
    `resource.labels.service_name = "${service}"`,
    `resource.labels.revision_name = "${revision}"`,
  ].join(' AND ');
}

/**
 * One revision's value of a Cloud Run request metric over [now - window, now], with the requests
 * behind it: request_count summed by response code class (a ratio is that class's share), or
 * request_latencies' distributions merged and the percentile read from their buckets (in ms).
 * No requests in the window: no value.
 */
export async function readCloudRunMetric(target: MonitoringTarget, metric: CloudRunMetric, service: string, revision: string, windowMs: number, nowMs: number, timeoutMs: number): Promise<RevisionSide> {
  const client = monitoringClient(target);
  const interval = { startTime: seconds(nowMs - windowMs), endTime: seconds(nowMs) };
  const period = { seconds: Math.max(1, Math.ceil(windowMs / 1000)) };
  if (metric.startsWith('latency-')) {
    const [series] = await client.listTimeSeries(
      {
        name: `projects/${target.project}`,
        filter: revisionFilter('run.googleapis.com/request_latencies', target, service, revision),
        interval,
        aggregation: { alignmentPeriod: period, perSeriesAligner: 'ALIGN_DELTA', crossSeriesReducer: 'REDUCE_SUM' },
        view: 'FULL',
      },
      { timeout: timeoutMs },
    );
    let counts: number[] = [];
    let options: BucketOptions | undefined;
    for (const s of series) {
      for (const p of s.points ?? []) {
        const d = p.value?.distributionValue;
        if (!d) continue;
        options ??= d.bucketOptions as BucketOptions;
        const these = (d.bucketCounts ?? []).map(num);
        counts = these.map((c, i) => c + (counts[i] ?? 0));
      }
    }
    const samples = counts.reduce((a, b) => a + b, 0);
    const p = Number(metric.slice('latency-p'.length));
    const value = options ? distributionPercentile(bucketBounds(options), counts, p) : undefined;
    return { revision, samples, ...(value !== undefined ? { value: Math.round(value * 10) / 10 } : {}) };
  }
  const [series] = await client.listTimeSeries(
    {
      name: `projects/${target.project}`,
      filter: revisionFilter('run.googleapis.com/request_count', target, service, revision),
      interval,
      aggregation: { alignmentPeriod: period, perSeriesAligner: 'ALIGN_DELTA', crossSeriesReducer: 'REDUCE_SUM', groupByFields: ['metric.labels.response_code_class'] },
      view: 'FULL',
    },
    { timeout: timeoutMs },
  );
  const byClass = new Map<string, number>();
  for (const s of series) {
    const cls = s.metric?.labels?.response_code_class ?? '';
    byClass.set(cls, (byClass.get(cls) ?? 0) + (s.points ?? []).reduce((n, p) => n + num(p.value?.int64Value), 0));
  }
  const samples = [...byClass.values()].reduce((a, b) => a + b, 0);
  if (metric === 'request-count') return { revision, samples, value: samples };
  if (samples === 0) return { revision, samples };
  return { revision, samples, value: (byClass.get(metric.slice(0, 3)) ?? 0) / samples };
}
