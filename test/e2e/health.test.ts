import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { CliRun } from '../support/drillctl';
import { freePort } from '../support/ports';
import { startStack, type Stack } from '../support/stack';

function assertNoStackTrace(run: CliRun): void {
  assert.doesNotMatch(run.stderr, /^\s+at .+\(.+:\d+:\d+\)$/m, `stack trace printed:\n${run.stderr}`);
}

describe('drillctl drill health (subprocess, real server, worker and sandbox)', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack('e2e-health');
  });
  after(() => stack.stop());
  afterEach(() => stack.sandbox.faults.clear());

  it('prints one JSON object with the verdict and per-check results, exit 0 on PASS', async () => {
    const run = await stack.drillctl(['--json', 'drill', 'health']);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { workflowId: string; verdict: string; checks: { name: string; ok: boolean }[]; webUiUrl: string };
    assert.equal(out.verdict, 'PASS');
    assert.match(out.workflowId, /^health-sandbox-/);
    assert.deepEqual(out.checks.map((c) => [c.name, c.ok]), [
      ['backend-version', true],
      ['backend-root', true],
      ['dashboard', true],
      ['cloud-run-ready:oa-convex-backend-sandbox', true],
      ['cloud-run-ready:oa-convex-dashboard-sandbox', true],
    ]);
    assert.ok(out.webUiUrl.includes(`/workflows/${out.workflowId}/`));
  });

  it('fails with exit 1 and names the failing check when the backend is down', async () => {
    const inject = await fetch(`${stack.sandbox.controlUrl}/faults/backend`, { method: 'POST', body: JSON.stringify({ status: 503 }) });
    assert.equal(inject.status, 200);
    const run = await stack.drillctl(['drill', 'health']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /Health drill on sandbox: FAIL/);
    assert.match(run.stdout, /FAIL\s+backend-version\s+3\s.*HTTP 503/);
    assert.match(run.stdout, /ok\s+dashboard/);
  });

  it('rejects an invalid config with exit 2, naming the field, and starts nothing', async () => {
    const bad = path.join(stack.home, 'bad.yaml');
    fs.writeFileSync(bad, 'environments:\n  nonprod:\n    production: false\n    health:\n      backendUrl: nope\n      dashboardUrl: https://d.example\n');
    const run = await stack.drillctl(['--config', bad, 'drill', 'health']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /environments\.nonprod\.health\.backendUrl: expected an absolute http\(s\) URL/);
    assertNoStackTrace(run);
  });

  it('rejects an unreadable config file with exit 2', async () => {
    const run = await stack.drillctl(['--config', path.join(stack.home, 'missing.yaml'), 'drill', 'health']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /cannot read config file .*missing\.yaml: ENOENT/);
    assertNoStackTrace(run);
  });

  it('says clearly when Temporal is unreachable, exit 3, no stack trace', async () => {
    const run = await stack.drillctl(['drill', 'health'], { TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` });
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stderr, /cannot reach Temporal at 127\.0\.0\.1:\d+/);
    assert.match(run.stderr, /hint: start one with `drillctl up`/);
    assertNoStackTrace(run);
  });
});
