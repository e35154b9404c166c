import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Worker } from '@temporalio/worker';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox';
import { devServer, testEnv } from '../support/temporal';
import { createTestWorker, tempDir } from '../support/worker';
import { runDrillctl, type CliRun } from '../support/drillctl';
import { freePort } from '../support/ports';

function assertNoStackTrace(run: CliRun): void {
  assert.doesNotMatch(run.stderr, /^\s+at .+\(.+:\d+:\d+\)$/m, `stack trace printed:\n${run.stderr}`);
}

describe('drillctl drill health (subprocess, real server, worker and sandbox)', () => {
  let sandbox: Sandbox;
  let worker: Worker;
  let running: Promise<void>;
  let address: string;
  const home = tempDir('e2e-home');

  before(async () => {
    address = (await devServer()).address;
    sandbox = await startSandbox({ dataDir: tempDir('e2e-sandbox') });
    worker = await createTestWorker(await testEnv());
    running = worker.run();
  });
  after(async () => {
    worker.shutdown();
    await running;
    await sandbox.stop();
  });
  afterEach(() => sandbox.faults.clear());

  const drillctl = (args: string[], env: NodeJS.ProcessEnv = {}) => runDrillctl(args, { TEMPORAL_ADDRESS: address, DRILLCTL_HOME: home, ...env });

  it('prints one JSON object with the verdict and per-check results, exit 0 on PASS', async () => {
    const run = await drillctl(['--config', sandbox.configPath, '--json', 'drill', 'health']);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { workflowId: string; verdict: string; checks: { name: string; ok: boolean }[]; webUiUrl: string };
    assert.equal(out.verdict, 'PASS');
    assert.match(out.workflowId, /^health-sandbox-/);
    assert.deepEqual(out.checks.map((c) => [c.name, c.ok]), [['backend-version', true], ['backend-root', true], ['dashboard', true]]);
    assert.ok(out.webUiUrl.includes(`/workflows/${out.workflowId}/`));
  });

  it('fails with exit 1 and names the failing check when the backend is down', async () => {
    const inject = await fetch(`${sandbox.controlUrl}/faults/backend`, { method: 'POST', body: JSON.stringify({ status: 503 }) });
    assert.equal(inject.status, 200);
    const run = await drillctl(['--config', sandbox.configPath, 'drill', 'health']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /Health drill on sandbox: FAIL/);
    assert.match(run.stdout, /FAIL\s+backend-version\s+3\s.*HTTP 503/);
    assert.match(run.stdout, /ok\s+dashboard/);
  });

  it('rejects an invalid config with exit 2, naming the field, and starts nothing', async () => {
    const bad = path.join(home, 'bad.yaml');
    fs.writeFileSync(bad, 'environments:\n  nonprod:\n    health:\n      backendUrl: nope\n      dashboardUrl: https://d.example\n');
    const run = await drillctl(['--config', bad, 'drill', 'health']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /environments\.nonprod\.health\.backendUrl: expected an absolute http\(s\) URL/);
    assertNoStackTrace(run);
  });

  it('rejects an unreadable config file with exit 2', async () => {
    const run = await drillctl(['--config', path.join(home, 'missing.yaml'), 'drill', 'health']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /cannot read config file .*missing\.yaml: ENOENT/);
    assertNoStackTrace(run);
  });

  it('says clearly when Temporal is unreachable, exit 3, no stack trace', async () => {
    const run = await drillctl(['--config', sandbox.configPath, 'drill', 'health'], { TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` });
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stderr, /cannot reach Temporal at 127\.0\.0\.1:\d+/);
    assert.match(run.stderr, /hint: start one with `drillctl up`/);
    assertNoStackTrace(run);
  });
});
