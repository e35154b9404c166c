import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import type { RollbackDrillResult } from '../../src/contracts/rollback';
import { runDrillctl } from '../support/drillctl';
import { startStack, type Stack } from '../support/stack';
import { testEnv } from '../support/temporal';

const BACKEND = 'oa-convex-backend-sandbox';
const DASHBOARD = 'oa-convex-dashboard-sandbox';
const LATEST_100 = [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', revision: '', percent: 100, tag: '' }];

/** A copy of the sandbox config with the sandbox environment changed by `edit`. */
function configVariant(stack: Stack, name: string, edit: (env: Record<string, unknown>) => void): string {
  const config = parse(fs.readFileSync(stack.sandbox.configPath, 'utf8')) as { environments: Record<string, Record<string, unknown>> };
  edit(config.environments.sandbox!);
  const file = path.join(stack.home, `${name}.yaml`);
  fs.writeFileSync(file, stringify(config));
  return file;
}

describe('drillctl drill rollback (subprocess, real server, worker and sandbox)', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack('rollback');
  });
  after(() => stack.stop());
  afterEach(() => stack.sandbox.faults.clear());

  const cloudRun = () => stack.sandbox.cloudRun;
  const run = (args: string[], config?: string) =>
    config ? runDrillctl(['--config', config, ...args], { TEMPORAL_ADDRESS: stack.address, DRILLCTL_HOME: stack.home }) : stack.drillctl(args);

  it('plans by default, prints current and rollback per service, and changes nothing', async () => {
    const before = [cloudRun().view(BACKEND), cloudRun().view(DASHBOARD)];
    const r = await run(['drill', 'rollback']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Rollback drill plan \(dry-run\) on sandbox \/ convex .*: nothing changed\./);
    assert.match(r.stdout, /backend\s+oa-convex-backend-sandbox\s+oa-convex-backend-sandbox-00011-v4r\s+oa-convex-backend-sandbox-00010-kpf\s+newest Ready revision created before/);
    assert.match(r.stdout, /dashboard\s+oa-convex-dashboard-sandbox\s+oa-convex-dashboard-sandbox-00002-hwm\s+oa-convex-dashboard-sandbox-00001-8rs/);
    assert.match(r.stdout, /To execute: drillctl drill rollback --apply --group convex/);
    assert.deepEqual([cloudRun().view(BACKEND), cloudRun().view(DASHBOARD)], before);
    assert.equal(cloudRun().calls({ method: 'UpdateService' }).length, 0);
  });

  it('--apply --json runs the drill: PASS, RTO measured with identity none after the API showed the target in force, traffic back exactly', async () => {
    const r = await run(['--json', 'drill', 'rollback', '--apply']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as RollbackDrillResult & { webUiUrl: string };
    assert.equal(out.verdict, 'PASS', out.reasons.join('; '));
    assert.equal(out.workflowId, 'traffic-sandbox-convex');
    assert.equal(out.trafficRestored, true);
    assert.equal(out.rtoTargetSeconds, 300);
    for (const key of ['rtoSeconds', 'restoreSeconds', 'totalSeconds'] as const) assert.equal(typeof out[key], 'number', key);
    assert.deepEqual(out.services.map((s) => [s.service, s.current, s.target]), [
      [BACKEND, `${BACKEND}-00011-v4r`, `${BACKEND}-00010-kpf`],
      [DASHBOARD, `${DASHBOARD}-00002-hwm`, `${DASHBOARD}-00001-8rs`],
    ]);
    // The sandbox config names no identity: Cloud Run's own default, none.
    assert.equal(out.rtoStrategy, 'none');
    assert.match(out.rtoMeaning ?? '', /Cloud Run API reported the target traffic in force/);
    for (const s of out.services) {
      const inForce = cloudRun().inForce(s.service).find((r) => r.atMs >= Date.parse(out.shiftStartedAt!));
      assert.ok(inForce && Date.parse(s.servingTargetAt!) >= inForce.atMs, `${s.service}: RTO not before the API showed the target in force`);
    }
    assert.deepEqual(cloudRun().view(BACKEND).traffic, LATEST_100);
    assert.deepEqual(cloudRun().view(DASHBOARD).traffic, LATEST_100);
    assert.ok(out.webUiUrl.includes('/workflows/traffic-sandbox-convex/'));
  });

  it('prints the G7 report\'s lines for people', async () => {
    const r = await run(['drill', 'rollback', '--apply']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Rollback drill on sandbox \/ convex \(drillctl-sandbox, us-central1\): PASS/);
    assert.match(r.stdout, /Rollback RTO seconds: \d+\.\d\d \(target 300\), measured with revision identity none\nWhat it means: RTO runs from the first traffic change until the Cloud Run API reported/);
    assert.match(r.stdout, /Restore seconds: \d+\.\d\d/);
    assert.match(r.stdout, /Total drill seconds: \d+\.\d\d/);
    assert.match(r.stdout, /Traffic restored: yes/);
    assert.match(r.stderr, /started traffic-sandbox-convex/);
  });

  it('refuses a second traffic-changing drill on the same group while one runs', async () => {
    // The worker's config holds the rollback target long enough for the second drill to find it running.
    const rollback = stack.workerConfig.environments.sandbox!.rollback;
    const holdSeconds = rollback.holdSeconds;
    // Long enough for the second CLI (its own start and Cloud Run preflight) on a busy machine.
    rollback.holdSeconds = 20;
    try {
      const first = run(['drill', 'rollback', '--apply']);
      const client = (await testEnv()).client;
      const deadline = Date.now() + 30_000;
      for (;;) {
        const d = await client.workflow.getHandle('traffic-sandbox-convex').describe().catch(() => undefined);
        if (d?.status.name === 'RUNNING') break;
        assert.ok(Date.now() < deadline, 'the first drill did not start');
        await new Promise((res) => setTimeout(res, 100));
      }
      const second = await run(['drill', 'rollback', '--apply']);
      assert.equal(second.code, 1, second.stderr);
      assert.match(second.stderr, /service group convex in sandbox is already being changed by rollbackDrill traffic-sandbox-convex \(started .*\); only one traffic-changing workflow may run per service group/);
      assert.doesNotMatch(second.stderr, /^\s+at /m);
      const firstRun = await first;
      assert.equal(firstRun.code, 0, firstRun.stderr);
      assert.deepEqual(cloudRun().view(BACKEND).traffic, LATEST_100);
    } finally {
      rollback.holdSeconds = holdSeconds;
    }
  });

  it('bad input: unknown service is refused before anything starts (exit 2)', async () => {
    const r = await run(['drill', 'rollback', '--apply', '--target', 'oa-nope=x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /service group convex has no service "oa-nope"/);
    assert.match(r.stderr, /hint: use a role or service id of the group: backend \(oa-convex-backend-sandbox\), dashboard \(oa-convex-dashboard-sandbox\); nothing was changed/);
  });

  it('bad input: a target equal to the current revision fails with the fix, nothing changed', async () => {
    const updates = cloudRun().calls({ method: 'UpdateService' }).length;
    const r = await run(['drill', 'rollback', '--apply', '--target', `backend=${BACKEND}-00011-v4r`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /revision oa-convex-backend-sandbox-00011-v4r already serves 100% of service oa-convex-backend-sandbox: a rollback to it changes nothing; choose an older revision with --target backend=<revision>/);
    assert.equal(cloudRun().calls({ method: 'UpdateService' }).length, updates);
  });

  it('bad input: no Ready older revision fails naming the service and the fix, nothing changed', async () => {
    await fetch(`${stack.sandbox.controlUrl}/faults/cloud-run-revision-not-ready`, { method: 'POST', body: JSON.stringify({ service: DASHBOARD, revision: `${DASHBOARD}-00001-8rs` }) });
    const updates = cloudRun().calls({ method: 'UpdateService' }).length;
    const r = await run(['drill', 'rollback', '--apply']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /service oa-convex-dashboard-sandbox has no Ready revision older than oa-convex-dashboard-sandbox-00002-hwm; pass --target dashboard=<revision> to choose one/);
    assert.equal(cloudRun().calls({ method: 'UpdateService' }).length, updates);
  });

  it('the dashboard switch fails: the drill fails with the cause and the backend is restored', async () => {
    await fetch(`${stack.sandbox.controlUrl}/faults/cloud-run-fail-updates`, { method: 'POST', body: JSON.stringify({ service: DASHBOARD, message: 'quota exceeded for dashboard' }) });
    const r = await run(['drill', 'rollback', '--apply']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^FAIL: .*quota exceeded for dashboard.*Traffic restored on every service, verified\./);
    assert.deepEqual(cloudRun().view(BACKEND).traffic, LATEST_100);
    assert.deepEqual(cloudRun().view(DASHBOARD).traffic, LATEST_100);
  });

  it('a failing Cloud Run operation (`sandbox fault cloud-run-fail-operations`): FAIL is a result with the cause and traffic restored, verified; exit 1', async () => {
    // `drillctl sandbox fault` finds the sandbox by its state file in DRILLCTL_HOME, as after `drillctl up`.
    fs.mkdirSync(path.join(stack.home, 'sandbox'), { recursive: true });
    const state = { pid: process.pid, configPath: stack.sandbox.configPath, controlUrl: stack.sandbox.controlUrl, endpoints: {} };
    fs.writeFileSync(path.join(stack.home, 'sandbox', 'state.json'), JSON.stringify(state));
    const inject = async () => {
      const fault = await run(['sandbox', 'fault', 'cloud-run-fail-operations', JSON.stringify({ service: DASHBOARD, message: 'dashboard rollout blocked by an org policy' })]);
      assert.equal(fault.code, 0, fault.stderr);
    };

    await inject();
    const json = await run(['--json', 'drill', 'rollback', '--apply']);
    assert.equal(json.code, 1, json.stderr);
    const out = JSON.parse(json.stdout) as RollbackDrillResult & { webUiUrl: string };
    assert.equal(out.verdict, 'FAIL');
    assert.equal(out.trafficRestored, true);
    assert.ok(out.conclusion, 'the result carries its outcome');
    assert.match(out.conclusion.summary, /dashboard rollout blocked by an org policy.*Traffic restored on every service, verified\./);
    const root = out.conclusion.causes[out.conclusion.causes.length - 1];
    assert.equal(root?.type, 'CloudRunOperationFailed');
    assert.match(root?.message ?? '', /dashboard rollout blocked by an org policy/);
    assert.deepEqual(out.conclusion.changes.map((c) => c.undone), [true, true]);
    assert.deepEqual(out.services.map((s) => s.trafficRestored), [true, true]);
    assert.equal(typeof out.totalSeconds, 'number');
    assert.match(out.webUiUrl, /traffic-sandbox-convex/);
    assert.deepEqual([cloudRun().view(BACKEND).traffic, cloudRun().view(DASHBOARD).traffic], [LATEST_100, LATEST_100]);

    await inject();
    const human = await run(['drill', 'rollback', '--apply']);
    assert.equal(human.code, 1, human.stderr);
    const lines = human.stdout.split('\n');
    assert.match(lines[0] ?? '', /^FAIL: Rollback drill failed: .*dashboard rollout blocked by an org policy.*\. Traffic restored on every service, verified\.$/);
    assert.match(human.stdout, /Traffic restored: yes/);
    assert.match(human.stdout, /History: http/);
    assert.deepEqual([cloudRun().view(BACKEND).traffic, cloudRun().view(DASHBOARD).traffic], [LATEST_100, LATEST_100]);
  });

  it('production guard: --apply without --confirm, --ticket and --reason is refused with exit 2', async () => {
    // Production cannot point at the emulator, so the guard refuses before anything would reach Cloud Run.
    const prod = configVariant(stack, 'prod', (env) => {
      Object.assign(env, { production: true, sandbox: false, cloudRun: { project: 'openagentsgemini', region: 'us-central1' } });
    });
    const r = await run(['drill', 'rollback', '--apply', '--ticket', 'CHG-1'], prod);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /rollback drill refused: environment sandbox is production: changing traffic needs --confirm, --reason <why>/);
  });
});
