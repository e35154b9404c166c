import assert from 'node:assert/strict';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox';
import type { RollbackDrillResult } from '../../src/contracts/rollback';
import { runDrillctl } from '../support/drillctl';
import { freePort } from '../support/ports';
import { devServer } from '../support/temporal';
import { startWorkerProcess, tempDir, type WorkerProcess } from '../support/worker';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text exposition format, one sample a line (comments skipped). */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

const find = (samples: Sample[], name: string, labels: Record<string, string>): Sample[] =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

const DASHBOARD = 'oa-convex-dashboard-sandbox';

describe('worker metrics (a worker process with DRILLCTL_METRICS_ADDRESS, scraped over HTTP)', function () {
  this.timeout(300_000);
  let sandbox: Sandbox;
  let worker: WorkerProcess;
  let address: string;
  let home: string;
  let metricsAddress: string;

  before(async () => {
    ({ address } = await devServer());
    home = tempDir('metrics-home');
    sandbox = await startSandbox({ dataDir: tempDir('metrics-sandbox') });
    metricsAddress = `127.0.0.1:${await freePort()}`;
    worker = startWorkerProcess(address, { DRILLCTL_HOME: home, DRILLCTL_CONFIG: sandbox.configPath, DRILLCTL_METRICS_ADDRESS: metricsAddress });
    await worker.ready;
  });

  after(async () => {
    await worker?.kill('SIGTERM');
    await sandbox?.stop();
  });

  const applyRollbackDrill = () => runDrillctl(['--config', sandbox.configPath, '--json', 'drill', 'rollback', '--apply'], { TEMPORAL_ADDRESS: address, DRILLCTL_HOME: home }, 240_000);

  /** Scrapes until `done` holds (the workflow's metrics reach the runtime with its activations). */
  async function scrapeUntil(done: (samples: Sample[]) => boolean, what: string): Promise<{ samples: Sample[]; text: string }> {
    let text = '';
    for (let i = 0; i < 200; i++) {
      if (i) await new Promise((r) => setTimeout(r, 300));
      const res = await fetch(`http://${metricsAddress}/metrics`);
      assert.equal(res.status, 200);
      text = await res.text();
      const samples = parseMetrics(text);
      if (done(samples)) return { samples, text };
    }
    assert.fail(`${what} never showed in:\n${text}\nworker:\n${worker.output()}`);
  }

  it('after an applied rollback drill: its outcome counter and RTO histogram, with the right labels, next to the SDK metrics', async () => {
    const run = await applyRollbackDrill();
    assert.equal(run.code, 0, `${run.stderr}\nworker:\n${worker.output()}`);
    const result = JSON.parse(run.stdout) as RollbackDrillResult;
    assert.equal(result.verdict, 'PASS');
    assert.ok(result.rtoSeconds !== undefined);

    const labels = { kind: 'rollback', environment: result.environment, verdict: 'PASS' };
    const { samples, text } = await scrapeUntil((s) => find(s, 'drillctl_drill_outcomes_total', labels).length > 0, 'the outcome counter');

    const outcome = find(samples, 'drillctl_drill_outcomes_total', labels);
    assert.equal(outcome.length, 1, `no outcome counter for ${JSON.stringify(labels)} in:\n${text}`);
    assert.equal(outcome[0]!.value, 1);
    assert.equal(outcome[0]!.labels.workflowType, 'rollbackDrill');
    assert.equal(outcome[0]!.labels.taskQueue, 'drillctl');

    const rtoLabels = { environment: result.environment, group: result.group, verdict: 'PASS' };
    assert.equal(find(samples, 'drillctl_rto_seconds_count', rtoLabels)[0]?.value, 1, text);
    const sum = find(samples, 'drillctl_rto_seconds_sum', rtoLabels)[0]?.value;
    assert.ok(sum !== undefined && Math.abs(sum - result.rtoSeconds) < 0.01, `RTO sum ${sum}, result ${result.rtoSeconds}`);
    const buckets = find(samples, 'drillctl_rto_seconds_bucket', rtoLabels);
    assert.deepEqual(buckets.map((b) => b.labels.le).slice(0, 3), ['1', '2', '5'], 'seconds buckets, not the SDK default milliseconds');
    const inBucket = (le: string): number => buckets.find((b) => b.labels.le === le)?.value ?? NaN;
    assert.equal(inBucket('+Inf'), 1);
    const firstHolding = buckets.find((b) => b.labels.le !== '+Inf' && Number(b.labels.le) >= result.rtoSeconds!);
    assert.equal(firstHolding?.value, 1, `the drill's RTO (${result.rtoSeconds} s) falls in bucket le=${firstHolding?.labels.le}`);

    assert.equal(find(samples, 'drillctl_restore_seconds_count', { kind: 'rollback', environment: result.environment })[0]?.value, 1);
    // The SDK runtime's own metrics are on the same endpoint.
    assert.ok(samples.some((s) => s.name.startsWith('temporal_workflow_completed')), 'SDK runtime metrics are served too');
  });

  it('a rollback drill whose restore keeps failing: the compensation-stuck gauge is 1 meanwhile, and 0 once the restore succeeds', async () => {
    // The dashboard's switch fails, and so does every restore of it until the fault is cleared.
    sandbox.faults.inject('cloud-run-fail-operations', { service: DASHBOARD, count: 1000, message: 'injected: restore refused' });
    const run = applyRollbackDrill();
    const stuck = (value: number) => (s: Sample[]) => find(s, 'drillctl_rollout_compensation_stuck', { environment: 'sandbox', group: 'convex' })[0]?.value === value;
    try {
      await scrapeUntil(stuck(1), 'drillctl_rollout_compensation_stuck 1');
    } finally {
      sandbox.faults.clear('cloud-run-fail-operations');
    }
    const done = await run;
    assert.equal(done.code, 1, done.stderr);
    const result = JSON.parse(done.stdout) as RollbackDrillResult;
    assert.equal(result.verdict, 'FAIL');
    assert.equal(result.trafficRestored, true);
    await scrapeUntil(stuck(0), 'drillctl_rollout_compensation_stuck 0');
  });
});
