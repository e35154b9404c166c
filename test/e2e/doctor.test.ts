import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { DoctorRow } from '../../src/doctor';
import { RELEASE_SERVICES } from '../../src/sandbox/rollout';
import { repoRoot } from '../support/worker';
import { startStack, type Stack } from '../support/stack';

const BACKEND = 'oa-convex-backend-sandbox';

describe('drillctl doctor (subprocess, real server, worker and sandbox)', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack('doctor');
  });
  after(() => stack.stop());
  afterEach(() => stack.sandbox.faults.clear());

  const doctor = async (args: string[] = []): Promise<{ code: number; rows: DoctorRow[]; stdout: string }> => {
    const r = await stack.drillctl(['--json', ...args, 'doctor']);
    return { code: r.code ?? -1, rows: (JSON.parse(r.stdout) as { rows: DoctorRow[] }).rows, stdout: r.stdout };
  };

  it('passes against the sandbox: one row per check, nothing FAILs, and it changes nothing', async () => {
    const before = stack.sandbox.cloudRun.view(BACKEND);
    const { code, rows } = await doctor();
    assert.equal(code, 0, JSON.stringify(rows.filter((r) => r.status !== 'PASS'), null, 2));
    const checks = rows.map((r) => r.check);
    for (const c of ['temporal reachable', 'temporal namespace', 'temporal search attributes', 'temporal worker', `cloud-run read ${BACKEND}`, `cloud-run iam ${BACKEND}`, `identity ${BACKEND}`, 'secret backup.source.adminKey', 'convex backend /version', 'convex cli', 'runtime reprojectRun']) {
      assert.ok(checks.includes(c), `no row for ${c}: ${checks.join(', ')}`);
    }
    assert.match(rows.find((r) => r.check === `identity ${BACKEND}`)!.detail, /^none: RTO runs until the Cloud Run API reported/);
    assert.ok(!JSON.stringify(rows).includes(fs.readFileSync(stack.sandbox.convexAdminKeyFile, 'utf8').trim()), 'a secret value was printed');
    assert.deepEqual(stack.sandbox.cloudRun.calls({ method: 'UpdateService' }), []);
    assert.deepEqual(stack.sandbox.cloudRun.view(BACKEND), before);
  });

  it('an IAM denial of run.services.update: doctor FAILs naming it; rollback --apply and rollout start refuse before any mutation', async () => {
    stack.sandbox.faults.inject('cloud-run-iam-denied', { permissions: ['run.services.update'] });
    const { code, rows, stdout } = await doctor();
    assert.equal(code, 1);
    const iam = rows.find((r) => r.check === `cloud-run iam ${BACKEND}`);
    assert.equal(iam?.status, 'FAIL');
    assert.match(iam!.detail, /missing permission run\.services\.update on service oa-convex-backend-sandbox/);
    assert.match(iam!.fix ?? '', /roles\/run\.developer/);
    assert.ok(!stdout.includes('"status": "FAIL"') || rows.filter((r) => r.status === 'FAIL').every((r) => r.check.startsWith('cloud-run iam')), 'only the IAM rows fail');

    const human = await stack.drillctl(['doctor']);
    assert.equal(human.code, 1);
    assert.match(human.stdout, /FAIL\s+cloud-run iam oa-convex-backend-sandbox\s+missing permission run\.services\.update/);

    const drill = await stack.drillctl(['drill', 'rollback', '--apply']);
    assert.equal(drill.code, 1, drill.stderr);
    assert.match(drill.stderr, /drill rollback --apply refused: the preflight checks fail; nothing was started or changed/);
    assert.match(drill.stderr, /missing permission run\.services\.update/);

    const rollout = await stack.drillctl(['rollout', 'start', '-f', path.join(repoRoot, 'examples', 'rollout.yaml'), '--as', 'carol']);
    assert.equal(rollout.code, 1, rollout.stderr);
    assert.match(rollout.stderr, new RegExp(`rollout start refused: .*\\n.*missing permission run\\.services\\.update on service ${RELEASE_SERVICES.backend}`));
    assert.deepEqual(stack.sandbox.cloudRun.calls({ method: 'UpdateService' }), [], 'nothing was mutated');
  });
});
