import assert from 'node:assert/strict';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { closeMonitoringClients } from '../../src/activities/analysis/cloud-monitoring';
import { closeCloudRunClients } from '../../src/activities/traffic';
import { EnvironmentSchema, type Config } from '../../src/domain/config/schema';
import { renderRolloutMarkdown } from '../../src/domain/rollout/report';
import type { CloudRunSandbox } from '../../src/sandbox/cloud-run';
import { startCloudMonitoringEmulator, startPrometheusApi, type CloudMonitoringEmulator, type PrometheusApi } from '../../src/sandbox/monitoring';
import { ROLLOUT_ABORTED, ROLLOUT_WORKFLOW, rolloutStatusQuery, type RolloutResult, type RolloutStatus } from '../../src/contracts/rollout';
import { startUnderTrafficLock } from '../../src/contracts/traffic-lock';
import { uniqueEnvironment } from '../support/rollback-sandbox';
import { BACKEND, CANDIDATE, DASHBOARD, rolloutInputFor, STABLE, startRolloutCloudRun, trafficOf } from '../support/rollout-sandbox';
import { registerRollout } from '../support/worker-config';
import { useTimeSkippingWorker } from '../support/time-skipping-worker';

const TASK_QUEUE = 'rollout-analysis-test';
const pinned = (revision: string) => [{ type: 'REVISION', revision, percent: 100 }];

/** The backend's 5xx ratio as Prometheus users write it: `or vector(0)` so a revision with no 5xx reads 0, not nothing. */
const PROM_5XX =
  '(sum(increase(cloud_run_requests_total{service_name="{{service}}",revision_name="{{revision}}",response_code_class="5xx"}[{{window}}])) or vector(0)) / sum(increase(cloud_run_requests_total{service_name="{{service}}",revision_name="{{revision}}"}[{{window}}]))';
const PROM_COUNT = 'sum(increase(cloud_run_requests_total{service_name="{{service}}",revision_name="{{revision}}"}[{{window}}]))';

/**
 * A canary at 50 % judged only by the backend's 5xx ratio, candidate against stable over the same
 * window, read from a metric provider; then 100 %.
 */
function canaryPlan(provider: 'cloud-run' | 'prom', onNotEnoughData: 'hold' | 'fail' = 'hold'): string {
  const query = provider === 'cloud-run' ? 'query: 5xx-ratio' : `query: '${PROM_5XX}'\n          countQuery: '${PROM_COUNT}'`;
  return `
environment: $ENV
serviceGroup: convex
steps:
  - name: canary
    percent: 50
    approval: { required: false }
    bake: 1h
    analysis:
      interval: 5m
      stopAfter: 15m
      onNotEnoughData: ${onNotEnoughData}
      metrics:
        - name: errors
          provider: ${provider}
          ${query}
          services: [backend]
          window: 10m
          minSamples: 20
          compare: { maxRatio: 2, maxDifference: 0.02 }
  - name: full
    percent: 100
    approval: { required: false }
`;
}

/** Users of the backend: a steady stream of real requests to its service URL, as Cloud Run's would be. */
function startUsers(url: string): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      await fetch(url).then((r) => r.arrayBuffer()).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

describe('rollout analysis from metric providers: candidate against stable (time-skipping server, Cloud Run sandbox, Cloud Monitoring emulator, Prometheus API)', function () {
  let env: TestWorkflowEnvironment;
  let sandbox: CloudRunSandbox;
  let monitoring: CloudMonitoringEmulator;
  let prometheus: PrometheusApi;
  let users: { stop(): Promise<void> } | undefined;
  const workerConfig: Config = { environments: {} };
  const started: WorkflowHandle[] = [];

  useTimeSkippingWorker(() => ({ taskQueue: TASK_QUEUE, config: workerConfig }), (e) => (env = e));
  beforeEach(async () => {
    sandbox = await startRolloutCloudRun();
    monitoring = await startCloudMonitoringEmulator({ log: sandbox.requests, project: sandbox.project, location: sandbox.region });
    prometheus = await startPrometheusApi({ log: sandbox.requests });
  });
  afterEach(async () => {
    await users?.stop();
    users = undefined;
    for (const h of started.splice(0)) await h.terminate('test finished').catch(() => undefined);
    await closeCloudRunClients();
    await closeMonitoringClients();
    await monitoring.stop();
    await prometheus.stop();
    await sandbox.stop();
  });

  const backendUrl = (): string => sandbox.group('convex').services.find((s) => s.role === 'backend')!.url;

  async function start(plan: string): Promise<WorkflowHandle> {
    const environment = uniqueEnvironment('ra');
    workerConfig.environments[environment] = EnvironmentSchema.parse({
      sandbox: true,
      cloudRun: { project: sandbox.project, region: sandbox.region, apiEndpoint: sandbox.grpcAddress },
      rollout: {
        metricProviders: {
          'cloud-run': { cloudMonitoring: { apiEndpoint: monitoring.address } },
          prom: { prometheus: { url: prometheus.url } },
        },
      },
    });
    const input = rolloutInputFor(sandbox, environment, plan);
    const h = await startUnderTrafficLock(env.client.workflow, ROLLOUT_WORKFLOW, { environment, group: input.group, taskQueue: TASK_QUEUE, args: [registerRollout(workerConfig, input)] });
    started.push(h);
    return h;
  }

  async function aborted(h: WorkflowHandle): Promise<{ failure: ApplicationFailure; result: RolloutResult }> {
    try {
      await h.result();
    } catch (err) {
      assert.ok(err instanceof WorkflowFailedError, String(err));
      assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
      assert.equal(err.cause.type, ROLLOUT_ABORTED);
      return { failure: err.cause, result: err.cause.details?.[0] as RolloutResult };
    }
    return assert.fail('the rollout should have been aborted');
  }

  const assertStable = (): void => {
    assert.deepEqual(trafficOf(sandbox, BACKEND), pinned(STABLE[BACKEND]));
    assert.deepEqual(trafficOf(sandbox, DASHBOARD), pinned(STABLE[DASHBOARD]));
  };

  /** The candidate answers 503 to every other real request; the stable revision stays clean. */
  const candidateFault = (): void => sandbox.setRevisionFault(BACKEND, CANDIDATE[BACKEND], { kind: 'http-error', status: 503, share: 0.5 });

  for (const provider of ['cloud-run', 'prom'] as const) {
    const via = provider === 'cloud-run' ? 'Cloud Monitoring' : 'Prometheus';

    it(`${via}: the candidate's 5xx ratio rising above stable's aborts the bake and restores traffic exactly`, async () => {
      candidateFault();
      users = startUsers(backendUrl());
      const h = await start(canaryPlan(provider));
      const { failure, result } = await aborted(h);
      assert.match(failure.message, /analysis of step canary: errors backend failing for 15m(?: \d+s)? \(stop rule: 15m\): candidate 0\.\d+ \(\d+ requests\) vs stable 0 \(\d+ requests\): above 2× stable or stable \+ 0\.02 \(limit 0\.02\)/);
      assertStable();
      // Stopped during the bake: the check as the last reading left it.
      const check = result.checks['errors backend']!;
      assert.equal(check.ok, false);
      // Every other request the candidate serves fails; health and switch probes are among them, so about half.
      assert.ok(check.value! > 0.4 && check.value! < 0.6, `candidate 5xx ratio ${check.value}`);
      assert.equal(check.stable, 0);
      assert.ok((check.samples ?? 0) >= 20 && (check.stableSamples ?? 0) >= 20, `both sides counted: ${check.samples} / ${check.stableSamples}`);
      assert.ok(result.timeline.some((t) => t.event === 'check-failing' && /candidate 0\.\d+ .* vs stable 0 /.test(t.detail)), 'the timeline names both sides');
      const report = renderRolloutMarkdown(result);
      assert.match(report, /Analysis held through every bake \(the stop rule never fired\): FAIL/);
      assert.match(report, /errors backend: candidate 0\.\d+ \(\d+ requests\) vs stable 0 .*\(FAIL\)/);
      if (provider === 'cloud-run') assert.ok(monitoring.calls.some((c) => c.filter.includes(`resource.labels.revision_name = "${CANDIDATE[BACKEND]}"`)), 'read through the emulator');
      else assert.ok(prometheus.queries.some((q) => q.includes(`revision_name="${STABLE[BACKEND]}"`)), 'read through the Prometheus API');
    });

    it(`${via}: the same rollout without the fault is promoted`, async () => {
      users = startUsers(backendUrl());
      const h = await start(canaryPlan(provider));
      const result = (await h.result()) as RolloutResult;
      assert.equal(result.outcome, 'promoted');
      assert.deepEqual(trafficOf(sandbox, BACKEND), pinned(CANDIDATE[BACKEND]));
      const check = result.steps[0]!.checks.find((c) => c.check === 'errors backend')!;
      assert.equal(check.ok, true, check.detail);
      assert.equal(check.value, 0);
      assert.equal(check.stable, 0);
      assert.match(renderRolloutMarkdown(result), /errors backend: candidate 0 \(\d+ requests\) vs stable 0 \(\d+ requests\): within 2× stable or stable \+ 0\.02/);
    });
  }

  it('too few requests with onNotEnoughData fail: never a pass; the stop rule aborts and traffic is restored', async () => {
    const h = await start(canaryPlan('cloud-run', 'fail'));
    const { failure } = await aborted(h);
    assert.match(failure.message, /errors backend failing for 15m(?: \d+s)? \(stop rule: 15m\): not enough data: the candidate has no data in the last 600 s/);
    assertStable();
  });

  it('too few requests with onNotEnoughData hold: the step waits past its bake, says why, and advances once users arrive', async () => {
    const h = await start(canaryPlan('cloud-run', 'hold'));
    const status = (): Promise<RolloutStatus> => h.query(rolloutStatusQuery);
    let s = await status();
    for (const deadline = Date.now() + 60_000; !(s.phase === 'baking' && Object.values(s.checks).some((c) => c.notEnoughData)) && Date.now() < deadline; s = await status()) await new Promise((r) => setTimeout(r, 100));
    assert.equal(s.phase, 'baking');
    // Two hours of workflow time: twice the bake, and the step still holds for data.
    await env.sleep(2 * 3_600_000);
    s = await status();
    assert.equal(s.phase, 'baking');
    assert.equal(s.currentStep, 'canary');
    const rec = s.steps[s.stepIndex]!;
    assert.ok(rec.bakedMs >= rec.bakeMs, 'the bake itself is over');
    const check = s.checks['errors backend']!;
    assert.equal(check.notEnoughData, 'hold');
    assert.equal(check.failingSince, undefined, 'holding is not failing: the stop rule does not run');
    assert.match(check.detail, /not enough data: the candidate has no data/);
    assert.ok(s.timeline.some((t) => t.event === 'check-not-enough-data'));
    users = startUsers(backendUrl());
    const result = (await h.result()) as RolloutResult;
    assert.equal(result.outcome, 'promoted');
    assert.ok(result.timeline.some((t) => t.event === 'check-recovered' && /errors backend/.test(t.detail)));
  });
});
