import assert from 'node:assert/strict';
import type { HealthDrillResult } from '../../src/contracts/health';
import { startStack, type Stack } from '../support/stack';

const BACKEND = 'oa-convex-backend-sandbox';

describe('Cloud Run readiness in the health drill (subprocess, real server, worker and sandbox)', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack('cloud-run-readiness');
  });
  after(() => stack.stop());
  afterEach(() => stack.sandbox.faults.clear());

  it('checks the Ready condition of every service of the environment\'s groups', async () => {
    const r = await stack.drillctl(['--json', 'drill', 'health']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as HealthDrillResult;
    const ready = out.checks.filter((c) => c.name.startsWith('cloud-run-ready:'));
    assert.deepEqual(ready.map((c) => [c.name, c.ok, c.detail]), [
      [`cloud-run-ready:${BACKEND}`, true, `Ready, serving ${BACKEND}-00011-v4r`],
      ['cloud-run-ready:oa-convex-dashboard-sandbox', true, 'Ready, serving oa-convex-dashboard-sandbox-00002-hwm'],
    ]);
  });

  it('fails the drill, naming the service and Cloud Run\'s reason, when the serving revision stops being Ready', async () => {
    const res = await fetch(`${stack.sandbox.controlUrl}/faults/cloud-run-revision-not-ready`, { method: 'POST', body: JSON.stringify({ service: BACKEND, revision: `${BACKEND}-00011-v4r` }) });
    assert.equal(res.status, 200);
    const r = await stack.drillctl(['drill', 'health']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /Health drill on sandbox: FAIL/);
    assert.match(r.stdout, /FAIL\s+cloud-run-ready:oa-convex-backend-sandbox\s+3\s.*not Ready: CONDITION_FAILED: Revision 'oa-convex-backend-sandbox-00011-v4r' is not ready/);
    assert.match(r.stdout, /ok\s+cloud-run-ready:oa-convex-dashboard-sandbox/);
  });
});
