import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { snapshotAllocation } from '../../src/domain/traffic/allocation';
import { RELEASE_SERVICES } from '../../src/sandbox/rollout';
import type { RolloutStatus } from '../../src/contracts/rollout';
import type { CliRun } from '../support/drillctl';
import { repoRoot } from '../support/worker';
import { startStack, type Stack } from '../support/stack';
import { testEnv } from '../support/temporal';
import { SANDBOX_ROLLOUT_ID, waitForSandboxRollout } from './sandbox-rollout';

const EXAMPLE = path.join(repoRoot, 'examples', 'rollout.yaml');

function assertNoStackTrace(run: CliRun): void {
  assert.doesNotMatch(run.stderr, /^\s+at .+\(.+:\d+:\d+\)$/m, `stack trace printed:\n${run.stderr}`);
}

/** examples/rollout.yaml with bakes and analysis cut to seconds, so the whole runbook runs in a test. */
function fastExample(stack: Stack): string {
  const text = fs
    .readFileSync(EXAMPLE, 'utf8')
    .replace(/bake: \d+s/g, 'bake: 2s')
    .replace('interval: 5s', 'interval: 1s')
    .replace('stopAfter: 15s', 'stopAfter: 3s');
  const file = path.join(stack.home, 'rollout-fast.yaml');
  fs.writeFileSync(file, text);
  return file;
}

describe('drillctl rollout (subprocess, real server, worker and sandbox)', () => {
  let client: Client;
  before(async () => {
    client = (await testEnv()).client;
  });

  const waitFor = (what: string, test: (s: RolloutStatus) => boolean) => waitForSandboxRollout(what, test, 240_000);
  const awaiting = (step: string) => (s: RolloutStatus) => s.phase === 'awaiting-approval' && s.currentStep === step;
  const traffic = (stack: Stack, service: string) => snapshotAllocation(stack.sandbox.cloudRun.view(service).traffic);

  describe('plans', () => {
    let stack: Stack;
    before(async () => {
      stack = await startStack('rollout-plan');
    });
    after(() => stack.stop());

    it('`rollout plan` validates examples/rollout.yaml and prints the runbook timeline, changing nothing', async () => {
      const r = await stack.drillctl(['rollout', 'plan', '-f', EXAMPLE]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Rollout plan for sandbox-rollout \/ convex \(5 steps; at the end traffic stays pinned to the candidate\)/);
      assert.match(r.stdout, /2\. limited: 5% to the candidate, tag staff {2}\[T\+30s \.\. T\+1m 30s\]\n {3}gates: health, backup-restore, replay, rollback/);
      assert.match(r.stdout, /Expected total: 2m 30s of bakes/);
      // The sandbox's window is open at every hour (so the demo runs whenever it starts), and says so.
      assert.match(r.stdout, /1\. staff: [^\n]*\n[^\n]*\n[^\n]*\n {3}could start: \w{3} \d{4}-\d\d-\d\d \d\d:\d\d UTC \(its turn; the window is open\)/);
      const at = await stack.drillctl(['rollout', 'plan', '-f', EXAMPLE, '--start-at', '2026-12-18T13:00:00Z']);
      assert.match(at.stdout, /could start: Fri 2026-12-18 13:00 UTC \(its turn; the window is open\)/);
      const json = await stack.drillctl(['--json', 'rollout', 'plan', '-f', EXAMPLE]);
      assert.equal((JSON.parse(json.stdout) as { expectedTotalMs: number }).expectedTotalMs, 150_000);
      assert.equal(stack.sandbox.cloudRun.calls({ method: 'UpdateService' }).length, 0);
    });

    it('an invalid plan exits 2 naming each bad field, and nothing starts', async () => {
      // The dev server is shared with other e2e files, which may have run a rollout under this id.
      const latestRun = (): Promise<string | undefined> => client.workflow.getHandle(SANDBOX_ROLLOUT_ID).describe().then((d) => d.runId, () => undefined);
      const runBefore = await latestRun();
      const bad = path.join(stack.home, 'bad.yaml');
      fs.writeFileSync(bad, fs.readFileSync(EXAMPLE, 'utf8').replace('percent: 25', 'percent: 2').replace('gates: [health, backup-restore, replay, rollback]', 'gates: [health, chaos]').replace('  backend: latest', '  frontend: latest'));
      for (const verb of ['plan', 'start']) {
        const r = await stack.drillctl(['rollout', verb, '-f', bad]);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /steps\.1\.gates\.1: unknown gate "chaos"/);
        assertNoStackTrace(r);
      }
      fs.writeFileSync(bad, fs.readFileSync(EXAMPLE, 'utf8').replace('percent: 25', 'percent: 2').replace('  backend: latest', '  frontend: latest'));
      const r = await stack.drillctl(['rollout', 'start', '-f', bad]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /steps\.2\.percent: percent 2 is lower than the 5 of step "limited"/);
      fs.writeFileSync(bad, fs.readFileSync(EXAMPLE, 'utf8').replace('  backend: latest', '  frontend: latest'));
      const unknown = await stack.drillctl(['rollout', 'start', '-f', bad]);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /candidates\.frontend: unknown service "frontend" in group convex/);
      assert.equal(await latestRun(), runBefore, 'a refused plan started a rollout');
      assert.equal(stack.sandbox.cloudRun.calls({ method: 'UpdateService' }).length, 0);
    });
  });

  describe('a rejected rollout', () => {
    let stack: Stack;
    before(async () => {
      stack = await startStack('rollout-reject');
    });
    after(() => stack.stop());

    it('refuses a second rollout and a rollback drill on the group, refuses a wrong approver, and a rejection restores stable traffic', async () => {
      const plan = fastExample(stack);
      const started = await stack.drillctl(['rollout', 'start', '-f', plan, '--as', 'carol']);
      assert.equal(started.code, 0, started.stderr);
      assert.match(started.stdout, new RegExp(`Started rollout ${SANDBOX_ROLLOUT_ID} \\(staff → limited → ramp-25 → ramp-50 → full\\)`));
      await waitFor('staff waiting for approval', awaiting('staff'));

      const second = await stack.drillctl(['rollout', 'start', '-f', plan, '--as', 'dave']);
      assert.equal(second.code, 1);
      assert.match(second.stderr, /service group convex in sandbox-rollout is already being changed by stagedRollout traffic-sandbox-rollout-convex/);
      const drill = await stack.drillctl(['--env', 'sandbox-rollout', 'drill', 'rollback', '--apply', '--group', 'convex']);
      assert.equal(drill.code, 1);
      assert.match(drill.stderr, /already being changed by stagedRollout/);

      const wrong = await stack.drillctl(['--env', 'sandbox-rollout', 'rollout', 'approve', '--step', 'staff', '--as', 'mallory', '--reason', 'lgtm']);
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /refused: mallory may not approve step "staff"; allowed: alice, bob/);
      assertNoStackTrace(wrong);
      const own = await stack.drillctl(['--env', 'sandbox-rollout', 'rollout', 'approve', '--step', 'staff', '--as', 'carol', '--reason', 'mine']);
      assert.equal(own.code, 1);
      assert.match(own.stderr, /carol started this rollout and may not approve/);

      const ok = await stack.drillctl(['--env', 'sandbox-rollout', '--json', 'rollout', 'approve', '--step', 'staff', '--as', 'alice', '--reason', 'staff cohort ready', '--ticket', 'CHG-1']);
      assert.equal(ok.code, 0, ok.stderr);
      assert.deepEqual(JSON.parse(ok.stdout), { ...JSON.parse(ok.stdout), step: 'staff', decision: 'approved', by: 'alice', ticket: 'CHG-1' });
      await waitFor('limited waiting for approval', awaiting('limited'));
      assert.deepEqual(stack.sandbox.rollout.flags.flags(), { staff: true });

      const human = await stack.drillctl(['--env', 'sandbox-rollout', 'rollout', 'status']);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /Now: step 2 of 5 \(limited\): awaiting-approval/);
      assert.match(human.stdout, /oa-convex-backend-release\s+oa-convex-backend-release-00011-v4r\s+oa-convex-backend-release-00012-c7n\s+oa-convex-backend-release-00011-v4r 100%, oa-convex-backend-release-00012-c7n 0% #staff/);

      const reject = await stack.drillctl(['--env', 'sandbox-rollout', 'rollout', 'reject', '--step', 'limited', '--as', 'bob', '--reason', 'Sev2 open in the staff cohort']);
      assert.equal(reject.code, 0, reject.stderr);
      const watch = await stack.drillctl(['--env', 'sandbox-rollout', 'rollout', 'status', '--watch']);
      assert.equal(watch.code, 1, 'an aborted rollout exits 1');
      assert.match(watch.stdout, /Outcome: \*\*ABORTED\*\* \(FAIL\)/);
      assert.match(watch.stdout, /Why it stopped: step limited rejected by bob \(unsigned\): Sev2 open in the staff cohort/);

      for (const service of Object.values(RELEASE_SERVICES)) assert.deepEqual(traffic(stack, service), [{ type: 'REVISION', revision: `${service}-${service.includes('backend') ? '00011-v4r' : '00002-hwm'}`, percent: 100 }]);
      assert.deepEqual(stack.sandbox.rollout.flags.flags(), { staff: false });
      const report = await stack.drillctl(['--env', 'sandbox-rollout', 'rollout', 'report']);
      assert.equal(report.code, 0);
      assert.match(report.stdout, /Every service is back on its exact pre-rollout traffic: PASS/);
      const late = await stack.drillctl(['--env', 'sandbox-rollout', 'rollout', 'approve', '--step', 'limited', '--as', 'alice', '--reason', 'too late']);
      assert.equal(late.code, 1);
      assert.match(late.stderr, /refused: rollout traffic-sandbox-rollout-convex has already ended/);
    });
  });

  describe('the runbook end to end', function () {
    // Five steps of real time (gates, drills, bakes, the canary holding for enough requests): two
    // minutes on an idle machine, more on a busy one; the status waits allow four.
    this.timeout(300_000);
    let stack: Stack;
    before(async () => {
      stack = await startStack('rollout-full');
    });
    after(() => stack.stop());

    it('runs examples/rollout.yaml from the CLI, every step approved, and ends at 100 % on both services', async () => {
      const plan = fastExample(stack);
      const started = await stack.drillctl(['rollout', 'start', '-f', plan, '--as', 'carol']);
      assert.equal(started.code, 0, started.stderr);
      for (const [step, approver] of [['staff', 'alice'], ['limited', 'bob'], ['ramp-25', 'alice'], ['ramp-50', 'bob'], ['full', 'alice']] as const) {
        await waitFor(`${step} waiting for approval`, awaiting(step));
        const r = await stack.drillctl(['--env', 'sandbox-rollout', 'rollout', 'approve', '--step', step, '--as', approver, '--reason', `${step}: promotion criteria met`]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`Step ${step} approved by ${approver}`));
      }
      const watch = await stack.drillctl(['--env', 'sandbox-rollout', 'rollout', 'status', '--watch']);
      assert.equal(watch.code, 0, watch.stdout + watch.stderr);
      assert.match(watch.stdout, /Outcome: \*\*PROMOTED\*\* \(PASS\)/);
      assert.match(watch.stdout, /`limited`: 5 % to the candidate.*gates: health PASS .*backup-restore PASS .*replay PASS .*rollback PASS/);
      assert.match(watch.stdout, /Every expansion passed its gates first: PASS/);
      // The canary was judged against stable on Cloud Run's request metrics, read from the Cloud Monitoring emulator.
      assert.match(watch.stdout, /`limited`: .*candidate-5xx backend: candidate 0 \(\d+ requests\) vs stable 0 \(\d+ requests\): within 2× stable or stable \+ 0\.02 \(PASS\)/);
      for (const service of Object.values(RELEASE_SERVICES)) {
        const candidate = `${service}-${service.includes('backend') ? '00012-c7n' : '00003-q2d'}`;
        assert.deepEqual(traffic(stack, service), [{ type: 'REVISION', revision: candidate, percent: 100, tag: 'staff' }]);
      }
      assert.deepEqual(stack.sandbox.rollout.flags.flags(), { staff: true, limited: true });
      const list = await stack.drillctl(['--json', 'rollout', 'list']);
      assert.equal(list.code, 0, list.stderr);
      const rows = JSON.parse(list.stdout) as { workflowId: string; status: string; outcome?: string }[];
      assert.ok(rows.some((r) => r.workflowId === SANDBOX_ROLLOUT_ID && r.status === 'COMPLETED' && r.outcome === 'PASS'), list.stdout);
    });
  });
});
