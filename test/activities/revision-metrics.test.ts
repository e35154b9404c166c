import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { MetricServiceClient } from '@google-cloud/monitoring';
import { closeMonitoringClients } from '../../src/activities/analysis/cloud-monitoring';
import { readRevisionMetric } from '../../src/activities/analysis/read-revision-metric';
import { cloudRunClientOptions } from '../../src/activities/traffic';
import { metricProviderChecks } from '../../src/doctor/metric-providers';
import { EnvironmentSchema, type EnvironmentConfig } from '../../src/domain/config/schema';
import type { RevisionMetricRequest } from '../../src/domain/rollout/revision-metrics';
import type { CloudRunSandbox } from '../../src/sandbox/cloud-run';
import { startCloudMonitoringEmulator, startPrometheusApi, type CloudMonitoringEmulator, type PrometheusApi } from '../../src/sandbox/monitoring';
import { resolveSecret } from '../../src/activities/secrets';
import { BACKEND, CANDIDATE, STABLE, startRolloutCloudRun } from '../support/rollout-sandbox';
import { tempDir } from '../support/worker';

/** Sends `n` requests to a URL and waits for every answer. */
async function traffic(url: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await (await fetch(url)).arrayBuffer();
}

describe('per-revision metrics through the real clients (Cloud Monitoring emulator over gRPC, Prometheus HTTP API)', () => {
  let sandbox: CloudRunSandbox;
  let monitoring: CloudMonitoringEmulator;
  let prometheus: PrometheusApi;
  let env: EnvironmentConfig;
  let backendUrl: string;
  const TOKEN = 'prom-token-7f3a';

  before(async () => {
    sandbox = await startRolloutCloudRun();
    monitoring = await startCloudMonitoringEmulator({ log: sandbox.requests, project: sandbox.project, location: sandbox.region });
    prometheus = await startPrometheusApi({ log: sandbox.requests, bearerToken: TOKEN });
    const tokenFile = path.join(tempDir('prom-token'), 'token');
    fs.writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    env = EnvironmentSchema.parse({
      sandbox: true,
      cloudRun: { project: sandbox.project, region: sandbox.region, apiEndpoint: sandbox.grpcAddress },
      rollout: {
        metricProviders: {
          'cloud-run': { cloudMonitoring: { apiEndpoint: monitoring.address } },
          prom: { prometheus: { url: prometheus.url, auth: { bearer: `file:${tokenFile}` } } },
          'prom-no-auth': { prometheus: { url: prometheus.url } },
        },
      },
    });
    backendUrl = sandbox.group('convex').services.find((s) => s.role === 'backend')!.url;
    // Stable serves 40 clean requests; the candidate (through a 50/50 split) 20, of which a quarter fail.
    await traffic(backendUrl, 40);
    sandbox.setMigrationWindow(0);
    sandbox.setRevisionFault(BACKEND, CANDIDATE[BACKEND], { kind: 'http-error', status: 503, share: 0.25 });
  });
  after(async () => {
    await closeMonitoringClients();
    await monitoring.stop();
    await prometheus.stop();
    await sandbox.stop();
  });

  const request = (over: Partial<RevisionMetricRequest>): RevisionMetricRequest => ({
    check: '5xx backend',
    provider: 'cloud-run',
    query: '5xx-ratio',
    role: 'backend',
    service: BACKEND,
    step: 'canary',
    candidate: CANDIDATE[BACKEND],
    stable: STABLE[BACKEND],
    windowMs: 600_000,
    timeoutMs: 10_000,
    minSamples: 1,
    compare: { maxRatio: 2 },
    onNotEnoughData: 'hold',
    ...over,
  });

  it('a share fault fails exactly that share of the candidate\'s requests; the router logs each per revision', async () => {
    const before = sandbox.requests.between(0, Date.now()).length;
    // The candidate alone, through its own server: every fourth request fails.
    const candidateUrl = sandbox.group('convex').services.find((s) => s.role === 'backend')!.revisions.find((r) => r.name === CANDIDATE[BACKEND])!.url;
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await fetch(candidateUrl)).status);
    assert.deepEqual(statuses, [200, 200, 200, 503, 200, 200, 200, 503]);
    assert.equal(sandbox.requests.between(0, Date.now()).length, before, 'requests that bypass the router are not Cloud Run requests');
  });

  it('Cloud Monitoring: the unmodified MetricServiceClient reads request_count per revision and class', async () => {
    const client = new MetricServiceClient(cloudRunClientOptions({ project: sandbox.project, region: sandbox.region, apiEndpoint: monitoring.address, sandbox: true }));
    try {
      const now = Date.now();
      const [series] = await client.listTimeSeries({
        name: `projects/${sandbox.project}`,
        filter: `metric.type = "run.googleapis.com/request_count" AND resource.labels.service_name = "${BACKEND}"`,
        interval: { startTime: { seconds: Math.floor(now / 1000) - 600 }, endTime: { seconds: Math.ceil(now / 1000) } },
        aggregation: { alignmentPeriod: { seconds: 600 }, perSeriesAligner: 'ALIGN_DELTA', crossSeriesReducer: 'REDUCE_SUM', groupByFields: ['resource.labels.revision_name', 'metric.labels.response_code_class'] },
      });
      const counts = Object.fromEntries(series.map((s) => [`${s.resource?.labels?.revision_name} ${s.metric?.labels?.response_code_class}`, Number(s.points?.[0]?.value?.int64Value)]));
      assert.deepEqual(counts, { [`${STABLE[BACKEND]} 2xx`]: 40 });
      await assert.rejects(client.listTimeSeries({ name: `projects/${sandbox.project}`, filter: 'metric.type = starts_with("run")', interval: { endTime: { seconds: Math.ceil(now / 1000) } } }), /INVALID_ARGUMENT|understands only/);
    } finally {
      await client.close();
    }
  });

  it('reads the candidate and stable 5xx ratios over the same window from Cloud Monitoring and from Prometheus', async () => {
    // Shift half the traffic to the candidate the way the router would after an UpdateService.
    await shiftHalf(sandbox);
    await traffic(backendUrl, 40);
    const cm = await readRevisionMetric(request({}), 'sandbox', env, resolveSecret, Date.now());
    assert.equal(cm.error, undefined, cm.error);
    assert.deepEqual(cm.candidate, { revision: CANDIDATE[BACKEND], samples: 20, value: 0.25 });
    assert.deepEqual(cm.stable, { revision: STABLE[BACKEND], samples: 60, value: 0 });

    const ratio = '(sum(increase(cloud_run_requests_total{revision_name="{{revision}}",response_code_class="5xx"}[{{window}}])) or vector(0)) / sum(increase(cloud_run_requests_total{revision_name="{{revision}}"}[{{window}}]))';
    const count = 'sum(increase(cloud_run_requests_total{service_name="{{service}}",revision_name="{{revision}}"}[{{window}}]))';
    const prom = await readRevisionMetric(request({ provider: 'prom', query: ratio, countQuery: count }), 'sandbox', env, resolveSecret, Date.now());
    assert.equal(prom.error, undefined, prom.error);
    assert.deepEqual(prom.candidate, { revision: CANDIDATE[BACKEND], value: 0.25, samples: 20 });
    // Stable served no 5xx: without `or vector(0)` the numerator would be empty and the ratio no data.
    assert.deepEqual(prom.stable, { revision: STABLE[BACKEND], value: 0, samples: 60 });
    const bare = await readRevisionMetric(request({ provider: 'prom', query: ratio.replace(' or vector(0)', ''), countQuery: count }), 'sandbox', env, resolveSecret, Date.now());
    assert.deepEqual(bare.stable, { revision: STABLE[BACKEND], samples: 60 }, 'an empty answer is no data, never 0 by guess');
    assert.ok(prometheus.queries.some((q) => q.includes(`revision_name="${CANDIDATE[BACKEND]}"`) && q.includes('[600s]')), 'placeholders filled');

    const latency = await readRevisionMetric(request({ query: 'latency-p95', compare: undefined, stable: undefined }), 'sandbox', env, resolveSecret, Date.now());
    assert.equal(latency.candidate?.samples, 20);
    assert.ok((latency.candidate?.value ?? -1) >= 0);
  });

  it('doctor: each provider readable with its credentials; Prometheus without its token FAILs with the fix', async () => {
    const rows = await metricProviderChecks(env);
    assert.deepEqual(rows.map((r) => [r.check, r.status]), [['metrics cloud-run', 'PASS'], ['metrics prom', 'PASS'], ['metrics prom-no-auth', 'FAIL']]);
    assert.match(rows[0]!.detail, /request_count readable \(\d+ revision series in the last 5 minutes\)/);
    assert.match(rows[2]!.detail, /HTTP 401/);
    assert.match(rows[2]!.fix ?? '', /rollout\.metricProviders\.prom-no-auth\.prometheus\.url and its auth/);
  });

  it('without its bearer token Prometheus refuses, and the reading says so instead of passing', async () => {
    const r = await readRevisionMetric(request({ provider: 'prom-no-auth', query: 'sum(cloud_run_requests_total)' }), 'sandbox', env, resolveSecret, Date.now());
    assert.match(r.error ?? '', /HTTP 401/);
    const unknown = await readRevisionMetric(request({ provider: 'nope' }), 'sandbox', env, resolveSecret, Date.now());
    assert.match(unknown.error ?? '', /"nope" is not declared in environments\.sandbox\.rollout\.metricProviders/);
  });
});

/** Puts the backend on 50/50 stable/candidate through the Admin API, and waits for the router to apply it. */
async function shiftHalf(sandbox: CloudRunSandbox): Promise<void> {
  const { ServicesClient } = await import('@google-cloud/run');
  const client = new ServicesClient(cloudRunClientOptions({ project: sandbox.project, region: sandbox.region, apiEndpoint: sandbox.grpcAddress, sandbox: true }));
  try {
    const name = client.servicePath(sandbox.project, sandbox.region, BACKEND);
    const [op] = await client.updateService({
      service: { name, traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: STABLE[BACKEND], percent: 50 }, { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: CANDIDATE[BACKEND], percent: 50 }] },
      updateMask: { paths: ['traffic'] },
    });
    await op.promise();
    await sandbox.waitForSwitch(BACKEND, (r) => r.routing.weights.length === 2);
  } finally {
    await client.close();
  }
}
