import assert from 'node:assert/strict';
import { closeMonitoringClients } from '../../src/activities/analysis/cloud-monitoring';
import { readRevisionMetric } from '../../src/activities/analysis/read-revision-metric';
import { resolveSecret } from '../../src/activities/secrets';
import { readConfigFile } from '../../src/config-file';
import type { RevisionMetricRequest } from '../../src/domain/rollout/revision-metrics';
import { releaseServiceGroup, RELEASE_SERVICES, SANDBOX_ROLLOUT_ENVIRONMENT } from '../../src/sandbox/rollout';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox';
import { tempDir } from '../support/worker';

describe('the sandbox as `drillctl up` starts it: metric providers of sandbox-rollout, its users, the rollout-candidate fault', function () {
  let sandbox: Sandbox;
  const group = releaseServiceGroup();

  before(async () => {
    sandbox = await startSandbox({ dataDir: tempDir('rollout-metrics-sandbox') });
  });
  after(async () => {
    await closeMonitoringClients();
    await sandbox?.stop();
  });

  const request = (over: Partial<RevisionMetricRequest>): RevisionMetricRequest => ({
    check: 'requests backend',
    provider: 'cloud-run',
    query: 'request-count',
    role: 'backend',
    service: RELEASE_SERVICES.backend,
    step: 'limited',
    candidate: group.stable.backend!,
    windowMs: 60_000,
    timeoutMs: 10_000,
    minSamples: 0,
    onNotEnoughData: 'hold',
    ...over,
  });

  it('reads the users\' real requests per revision through both providers the written config declares (Prometheus with its token file)', async () => {
    const config = readConfigFile(sandbox.configPath);
    const env = config.environments[SANDBOX_ROLLOUT_ENVIRONMENT]!;
    assert.deepEqual(Object.keys(env.rollout.metricProviders), ['cloud-run', 'prometheus']);
    assert.doesNotMatch(JSON.stringify(env.rollout.metricProviders), /Bearer|[0-9a-f]{36}/, 'the token is a file reference, not in the config');
    // The users send 40 requests a second to the backend: within two seconds the stable revision has some.
    await new Promise((r) => setTimeout(r, 2000));
    const cm = await readRevisionMetric(request({}), SANDBOX_ROLLOUT_ENVIRONMENT, env, resolveSecret, Date.now());
    assert.equal(cm.error, undefined, cm.error);
    assert.ok((cm.candidate?.samples ?? 0) >= 10, `stable served ${cm.candidate?.samples} user requests`);
    const prom = await readRevisionMetric(
      request({ provider: 'prometheus', query: 'sum(increase(cloud_run_requests_total{service_name="{{service}}",revision_name="{{revision}}"}[{{window}}]))' }),
      SANDBOX_ROLLOUT_ENVIRONMENT,
      env,
      resolveSecret,
      Date.now(),
    );
    assert.equal(prom.error, undefined, prom.error);
    assert.ok((prom.candidate?.value ?? 0) >= 10);
  });

  it('rollout-candidate with a share fails that share of the candidate\'s requests and leaves stable clean; a bad share is refused', async () => {
    assert.throws(() => sandbox.faults.inject('rollout-candidate', { share: 2 }), /share must be a number above 0 and at most 1/);
    assert.throws(() => sandbox.faults.inject('rollout-candidate', { role: 'frontend' }), /role must be one of: backend, dashboard/);
    sandbox.faults.inject('rollout-candidate', { share: 0.5, role: 'backend' });
    try {
      const backend = sandbox.cloudRun.group(group.name).services.find((s) => s.role === 'backend')!;
      const at = (name: string) => backend.revisions.find((r) => r.name === name)!.url;
      const statuses = async (url: string) => {
        const out: number[] = [];
        for (let i = 0; i < 6; i++) out.push((await fetch(url)).status);
        return out;
      };
      assert.deepEqual(await statuses(at(group.candidate.backend!)), [200, 503, 200, 503, 200, 503]);
      assert.deepEqual(await statuses(at(group.stable.backend!)), [200, 200, 200, 200, 200, 200]);
    } finally {
      sandbox.faults.clear('rollout-candidate');
    }
  });
});
