import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { closeCloudRunClients } from '../../src/activities/traffic';
import { EnvironmentSchema, type Config, type EnvironmentConfig } from '../../src/domain/config/schema';
import { renderRolloutMarkdown } from '../../src/domain/rollout/report';
import type { CloudRunSandbox } from '../../src/sandbox/cloud-run';
import {
  abortUpdate,
  approveSignal,
  approveUpdate,
  pauseUpdate,
  rejectUpdate,
  resumeUpdate,
  ROLLOUT_ABORTED,
  ROLLOUT_WORKFLOW,
  rolloutStatusQuery,
  setBakeUpdate,
  skipBakeUpdate,
  type RolloutInput,
  type RolloutResult,
  type RolloutStatus,
} from '../../src/contracts/rollout';
import { ROLLBACK_WORKFLOW } from '../../src/contracts/rollback';
import { DrillOutcome } from '../../src/temporal/search-attributes';
import { startUnderTrafficLock, TrafficLockHeldError } from '../../src/contracts/traffic-lock';
import { uniqueEnvironment, rollbackInputFor } from '../support/rollback-sandbox';
import {
  BACKEND,
  CANDIDATE,
  cohortFlags,
  DASHBOARD,
  rolloutInputFor,
  STABLE,
  startMetrics,
  startRolloutCloudRun,
  startTestEndpoint,
  trafficOf,
  type TestEndpoint,
} from '../support/rollout-sandbox';
import { tempDir } from '../support/worker';
import { registerRollback, registerRollout } from '../support/worker-config';
import { useTimeSkippingWorker } from '../support/time-skipping-worker';

const TASK_QUEUE = 'rollout-workflow-test';

const pinned = (revision: string) => [{ type: 'REVISION', revision, percent: 100 }];

/**
 * The rollout section of the worker's config for one test environment: the cohort hooks plans
 * name (an HTTP flag switch, one with a parameter, a command) and the notification target.
 */
function workerEnvironment(flags: string, notices: string, hookFile: string): EnvironmentConfig {
  const flag = (cohort: string, enabled: boolean) => ({ http: { method: 'PUT', url: `${flags}/cohorts/${cohort}`, body: { enabled } } });
  const record = { command: { argv: [process.execPath, '-e', "require('fs').appendFileSync(process.argv[1], process.env.DRILLCTL_HOOK_DIRECTION + ' ' + process.env.DRILLCTL_HOOK_KEY + '\\n')", hookFile] } };
  return EnvironmentSchema.parse({
    sandbox: true,
    rollout: {
      hooks: {
        'staff-cohort': { do: flag('staff', true), undo: flag('staff', false) },
        'cohort-flag': { params: ['cohort'], do: flag('{cohort}', true), undo: flag('{cohort}', false) },
        'limited-cohort': { do: record, undo: record },
      },
      notifications: { chat: { webhook: `${notices}/hook` } },
    },
  });
}

/** The runbook's phases in four steps, with short-enough bakes that time skipping makes instant. */
function fourStepPlan(metrics: string): string {
  return `
environment: $ENV
serviceGroup: convex
steps:
  - name: staff
    percent: 0
    tag: staff
    gates: [health]
    approval: { approvers: [alice, bob] }
    bake: 24h
    hooks:
      - name: staff-cohort
    analysis:
      interval: 6h
      stopAfter: 5m
      probes: [{ target: tag, samples: 4 }, { target: service, samples: 4 }]
      metrics: [{ name: projection-lag, url: "${metrics}/lag", field: value, max: 25 }]
  - name: limited
    percent: 5
    gates: [health, rollback]
    approval: { approvers: [alice, bob] }
    bake: 48h
    hooks:
      - name: limited-cohort
    analysis:
      interval: 12h
      probes: [{ samples: 4 }]
      metrics: [{ name: write-failures, url: "${metrics}/write-failures", field: value, max: 0.01 }]
  - name: ramp-50
    percent: 50
    gates: [rollback]
    approval: { approvers: [alice, bob] }
    bake: 2h
    analysis: { interval: 1h, probes: [{ samples: 4 }] }
  - name: full
    percent: 100
    approval: { approvers: [alice] }
    bake: 1h
`;
}

describe('stagedRollout workflow (time-skipping test server, real activities, Cloud Run sandbox)', function () {
  let env: TestWorkflowEnvironment;
  let sandbox: CloudRunSandbox;
  let flags: TestEndpoint;
  let notices: TestEndpoint;
  let metrics: Awaited<ReturnType<typeof startMetrics>>;
  let hookFile: string;
  // The worker's config: each test declares its environment's hooks and notification target here.
  const workerConfig: Config = { environments: {} };

  useTimeSkippingWorker(() => ({ taskQueue: TASK_QUEUE, config: workerConfig }), (e) => (env = e));
  beforeEach(async () => {
    sandbox = await startRolloutCloudRun();
    flags = await startTestEndpoint();
    notices = await startTestEndpoint();
    metrics = await startMetrics({ lag: 3, 'write-failures': 0.001 });
    hookFile = path.join(tempDir('rollout-hooks'), 'hook.log');
  });
  afterEach(async () => {
    // A failed test may leave a rollout running (and compensating against a stopped sandbox).
    for (const h of started.splice(0)) await h.terminate('test finished').catch(() => undefined);
    await closeCloudRunClients();
    await sandbox.stop();
    await flags.stop();
    await notices.stop();
    await metrics.stop();
  });

  const input = (plan = fourStepPlan(metrics.url), over: Partial<RolloutInput> = {}): RolloutInput => {
    const environment = uniqueEnvironment('ro');
    workerConfig.environments[environment] = workerEnvironment(flags.url, notices.url, hookFile);
    return rolloutInputFor(sandbox, environment, plan.replace('serviceGroup: convex', 'serviceGroup: convex\nnotify: { target: chat }'), over);
  };
  const started: WorkflowHandle[] = [];
  const start = async (i: RolloutInput): Promise<WorkflowHandle> => {
    const h = await startUnderTrafficLock(env.client.workflow, ROLLOUT_WORKFLOW, { environment: i.environment, group: i.group, taskQueue: TASK_QUEUE, args: [registerRollout(workerConfig, i)] });
    started.push(h);
    return h;
  };
  const status = (h: WorkflowHandle): Promise<RolloutStatus> => h.query(rolloutStatusQuery);

  /** Polls (real time) until the status matches; the Java test server keeps time locked meanwhile. */
  async function until(h: WorkflowHandle, what: string, test: (s: RolloutStatus) => boolean): Promise<RolloutStatus> {
    const deadline = Date.now() + 60_000;
    let last: RolloutStatus | undefined;
    while (Date.now() < deadline) {
      last = await status(h);
      if (test(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    return assert.fail(`rollout never reached "${what}"; last phase ${last?.phase} at step ${last?.currentStep}`);
  }
  const waitingFor = (step: string) => (s: RolloutStatus) => s.phase === 'awaiting-approval' && s.currentStep === step;

  /**
   * Plays the operators until the rollout ends: approves each step named in `approvals` when it
   * waits, and lets workflow time run through bakes (env.sleep skips it on the test server). The
   * test server's time stays locked otherwise, so a rollout waiting for a person is not skipped to
   * its execution timeout.
   */
  async function drive(h: WorkflowHandle, approvals: Record<string, string>, act?: (s: RolloutStatus) => Promise<boolean>): Promise<RolloutResult> {
    const approved = new Set<string>();
    for (;;) {
      if ((await h.describe()).status.name !== 'RUNNING') return (await h.result()) as RolloutResult;
      const s = await status(h);
      const step = s.currentStep ?? '';
      if (act && (await act(s))) continue;
      if (s.phase === 'awaiting-approval' && approvals[step] && !approved.has(step)) {
        approved.add(step);
        await h.executeUpdate(approveUpdate, { args: [{ step, approver: approvals[step]!, reason: `${step} looks healthy`, ticket: 'CHG-7' }] });
      } else if (s.phase === 'baking' && !s.paused) {
        const rec = s.steps[s.stepIndex]!;
        await env.sleep(Math.max(1000, rec.bakeMs - rec.bakedMs + 1000));
      } else {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async function failureOf(run: Promise<unknown>): Promise<{ failure: ApplicationFailure; result: RolloutResult }> {
    try {
      await run;
    } catch (err) {
      assert.ok(err instanceof WorkflowFailedError, String(err));
      const failure = err.cause;
      assert.ok(failure instanceof ApplicationFailure, String(failure));
      assert.equal(failure.type, ROLLOUT_ABORTED);
      return { failure, result: failure.details?.[0] as RolloutResult };
    }
    return assert.fail('the rollout should have been aborted');
  }

  async function refused(run: Promise<unknown>, expected: RegExp): Promise<void> {
    await assert.rejects(run, (err: unknown) => {
      assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
      assert.match(err.cause?.message ?? '', expected);
      return true;
    });
  }

  const assertStable = (): void => {
    assert.deepEqual(trafficOf(sandbox, BACKEND), pinned(STABLE[BACKEND]));
    assert.deepEqual(trafficOf(sandbox, DASHBOARD), pinned(STABLE[DASHBOARD]));
  };

  it('runs four steps on two services (gates, approvals, bakes, analysis) and ends at 100 % on both', async () => {
    const h = await start(input());
    const result = await drive(h, { staff: 'alice', limited: 'bob', 'ramp-50': 'alice', full: 'alice' });
    assert.equal(result.outcome, 'promoted');
    assert.equal(result.verdict, 'PASS');
    // Measured as against Cloud Run: no revision header, every shift probed after the API showed it in force.
    assert.deepEqual(result.services.map((s) => s.identity), ['none', 'none']);
    // Finish policy pinned (the default): 100 % on the candidate by name, the staff tag kept on it.
    assert.deepEqual(trafficOf(sandbox, BACKEND), [{ type: 'REVISION', revision: CANDIDATE[BACKEND], percent: 100, tag: 'staff' }]);
    assert.deepEqual(trafficOf(sandbox, DASHBOARD), [{ type: 'REVISION', revision: CANDIDATE[DASHBOARD], percent: 100, tag: 'staff' }]);
    // Gates: health before staff and limited, rollback drills before limited (automatic target) and ramp-50 (to stable).
    assert.deepEqual(result.gates.map((g) => [g.step, g.gate, g.status]), [
      ['preflight', 'preflight-health', 'passed'],
      ['staff', 'health', 'passed'],
      ['limited', 'health', 'passed'],
      ['limited', 'rollback', 'passed'],
      ['ramp-50', 'rollback', 'passed'],
    ]);
    assert.deepEqual(result.approvals.map((a) => [a.step, a.decision, a.by, a.ticket]), [
      ['staff', 'approved', 'alice', 'CHG-7'],
      ['limited', 'approved', 'bob', 'CHG-7'],
      ['ramp-50', 'approved', 'alice', 'CHG-7'],
      ['full', 'approved', 'alice', 'CHG-7'],
    ]);
    // Bakes ran to the planned length on workflow time, with analysis readings at their interval.
    assert.deepEqual(result.steps.map((s) => [s.name, s.bakedMs >= s.plannedBakeMs, s.readings > 0 || !s.checks.length]), [
      ['staff', true, true],
      ['limited', true, true],
      ['ramp-50', true, true],
      ['full', true, true],
    ]);
    assert.ok(result.steps[0]!.readings >= 4, `staff: ${result.steps[0]!.readings} readings in 24 h at 6 h`);
    assert.deepEqual(result.steps[0]!.checks.map((c) => [c.check, c.ok]), [
      ['tag staff backend', true],
      ['tag staff dashboard', true],
      ['service backend', true],
      ['service dashboard', true],
      ['projection-lag', true],
    ]);
    assert.ok(result.steps[0]!.tagUrls.backend, 'the staff cohort has its own URL');
    // Cohort hooks ran once each (HTTP and command) and were never undone.
    assert.deepEqual(cohortFlags(flags), { staff: true });
    assert.deepEqual(fs.readFileSync(hookFile, 'utf8').trim().split('\n'), [`do ${result.workflowId}/limited/limited-cohort/do`]);
    // One notification per state change that needs a person, each with its own key.
    const kinds = notices.calls.map((c) => (c.idempotencyKey ?? '').split(':')[1]);
    assert.deepEqual(kinds, ['awaiting-approval', 'awaiting-approval', 'awaiting-approval', 'awaiting-approval', 'finished']);
    assert.equal(new Set(notices.calls.map((c) => c.idempotencyKey)).size, 5);
    assert.match(JSON.stringify(notices.calls[1]!.body), /step limited/);
    const report = renderRolloutMarkdown(result);
    if (process.env.SHOW_REPORT) console.log(report);
    assert.match(report, /Outcome: \*\*PROMOTED\*\* \(PASS\)/);
    assert.match(report, /Every step that needed approval was approved by a named person with a reason: PASS/);
  });

  it('rejection at step two: both services back to stable, cohort hooks undone, the report says why', async () => {
    const h = await start(input());
    let rejected = false;
    const { failure, result } = await failureOf(
      drive(h, { staff: 'alice' }, async (s) => {
        if (rejected || !waitingFor('limited')(s)) return false;
        rejected = true;
        await refused(h.executeUpdate(rejectUpdate, { args: [{ step: 'limited', approver: 'mallory', reason: 'no' }] }), /mallory may not reject step "limited"; allowed: alice, bob or the initiator/);
        const record = await h.executeUpdate(rejectUpdate, { args: [{ step: 'limited', approver: 'bob', reason: 'Sev2 open in the staff cohort', ticket: 'INC-42' }] });
        assert.equal(record.decision, 'rejected');
        return true;
      }),
    );
    assert.match(failure.message, /aborted: Rollout failed: step limited rejected by bob \(unsigned\): Sev2 open in the staff cohort\. Stable traffic restored on every service, verified\. 1 cohort hook\(s\) undone\./);
    // The result it carries says what changed and that each change is back, read back from Cloud Run.
    assert.equal(result.trafficRestored, true);
    assert.equal(result.conclusion?.causes[0]?.type, 'RolloutStopped');
    assert.ok(result.conclusion?.changes.length && result.conclusion.changes.every((c) => c.undone === true), JSON.stringify(result.conclusion?.changes));
    assert.ok(result.conclusion?.changes.some((c) => c.what === 'cohort hook staff-cohort (step staff)'), JSON.stringify(result.conclusion?.changes));
    assertStable();
    assert.deepEqual(cohortFlags(flags), { staff: false }, 'the staff cohort flag was switched off again');
    assert.equal(result.compensation, 'done');
    assert.equal(result.outcome, 'aborted');
    assert.deepEqual(result.steps.map((x) => [x.name, !!x.completedAt, !!x.shiftedAt]), [
      ['staff', true, true],
      ['limited', false, false],
    ]);
    const kinds = notices.calls.map((c) => (c.idempotencyKey ?? '').split(':')[1]);
    assert.deepEqual(kinds, ['awaiting-approval', 'awaiting-approval', 'aborted', 'compensated']);
    const report = renderRolloutMarkdown(result);
    assert.match(report, /Outcome: \*\*ABORTED\*\* \(FAIL\)/);
    assert.match(report, /Why it stopped: step limited rejected by bob \(unsigned\): Sev2 open in the staff cohort \(by bob \(unsigned\)\)/);
    assert.match(report, /limited: rejected by bob \(unsigned\) at .*"Sev2 open in the staff cohort", ticket INC-42/);
    assert.match(report, /Every service is back on its exact pre-rollout traffic: PASS/);
    assert.match(report, /staff-cohort undone: PUT .*cohorts\/staff: HTTP 200/);
  });

  const canaryPlan = (extra = ''): string => `
environment: $ENV
serviceGroup: convex
steps:
  - name: canary
    percent: 10
    approval: { required: false }
    bake: 6h
    hooks:
      - { name: cohort-flag, params: { cohort: canary } }
    analysis:
      interval: 10m
      stopAfter: 30m
      probes: [{ samples: 3 }]
      metrics: [{ name: projection-lag, url: "${metrics.url}/lag", field: value, max: 25 }]
${extra}
  - name: full
    percent: 100
    approval: { required: false }
`;

  it('analysis failing longer than the stop rule aborts during the bake and compensates', async () => {
    metrics.values.lag = 40;
    const h = await start(input(canaryPlan()));
    const { failure, result } = await failureOf(h.result());
    assert.match(failure.message, /analysis of step canary: projection-lag failing for 30m \(stop rule: 30m\): 40 > max 25/);
    assertStable();
    assert.deepEqual(cohortFlags(flags), { canary: false });
    const canary = result.steps[0]!;
    assert.equal(canary.readings, 4, 'readings at 0, 10, 20 and 30 minutes');
    assert.equal(canary.failedReadings, 4);
    assert.ok(canary.bakedMs < 6 * 3_600_000, 'the bake never finished');
    assert.equal(result.timeline.filter((t) => t.event === 'check-failing').length, 1, 'one timeline entry per change, not per reading');
    assert.match(renderRolloutMarkdown(result), /Analysis held through every bake \(the stop rule never fired\): FAIL/);
  });

  it('approval timeout with onTimeout abort restores stable traffic on every service', async () => {
    const plan = canaryPlan().replace('  - name: full\n    percent: 100\n    approval: { required: false }', '  - name: full\n    percent: 100\n    approval: { approvers: [alice], timeout: 2h, onTimeout: abort }');
    const h = await start(input(plan));
    const { failure, result } = await failureOf(h.result());
    assert.match(failure.message, /approval of step full timed out after 2h; the plan says abort/);
    assertStable();
    assert.deepEqual(result.approvals.map((a) => [a.step, a.decision]), [
      ['canary', 'not-required'],
      ['full', 'timed-out'],
    ]);
    assert.deepEqual(notices.calls.map((c) => (c.idempotencyKey ?? '').split(':')[1]), ['awaiting-approval', 'aborted', 'compensated']);
  });

  it('approval timeout with onTimeout hold keeps the traffic and waits for a person', async () => {
    const plan = canaryPlan().replace('  - name: full\n    percent: 100\n    approval: { required: false }', '  - name: full\n    percent: 100\n    approval: { approvers: [alice], timeout: 30m, onTimeout: hold }');
    const h = await start(input(plan));
    await until(h, 'baking canary', (x) => x.phase === 'baking');
    await env.sleep('6h');
    await until(h, 'waiting for approval of full', waitingFor('full'));
    await env.sleep('31m');
    const held = await until(h, 'approval timed out', (s) => s.approvals.some((a) => a.decision === 'timed-out'));
    assert.equal(held.phase, 'awaiting-approval');
    assert.deepEqual(trafficOf(sandbox, BACKEND), [
      { type: 'REVISION', revision: STABLE[BACKEND], percent: 90 },
      { type: 'REVISION', revision: CANDIDATE[BACKEND], percent: 10 },
    ]);
    await env.sleep('6h');
    assert.equal((await status(h)).phase, 'awaiting-approval', 'still holding hours later');
    await h.executeUpdate(approveUpdate, { args: [{ step: 'full', approver: 'alice', reason: 'back from lunch' }] });
    const result = (await h.result()) as RolloutResult;
    assert.equal(result.outcome, 'promoted');
    assert.deepEqual(result.approvals.map((a) => [a.step, a.decision, a.by ?? '']), [
      ['canary', 'not-required', ''],
      ['full', 'timed-out', ''],
      ['full', 'approved', 'alice'],
    ]);
    assert.ok(notices.calls.some((c) => (c.idempotencyKey ?? '').endsWith(':approval-timeout')));
  });

  it('pause holds the bake clock; resume carries on from where it stopped', async () => {
    const h = await start(input(canaryPlan()));
    await until(h, 'baking', (s) => s.phase === 'baking');
    const paused = await h.executeUpdate(pauseUpdate, { args: [{ by: 'alice', reason: 'investigating a support ticket' }] });
    assert.equal(paused.event, 'paused');
    // 8 h 5 m, off the 10m analysis grid, for the reason given in the set-bake test.
    await env.sleep('485m');
    const s = await status(h);
    assert.equal(s.phase, 'baking');
    assert.equal(s.paused, true);
    assert.ok(s.steps[0]!.bakedMs < 3_600_000, `baked ${s.steps[0]!.bakedMs} ms while paused`);
    assert.ok(s.steps[0]!.readings >= 40, 'analysis kept reading while paused');
    await refused(h.executeUpdate(pauseUpdate, { args: [{ by: 'bob' }] }), /already paused/);
    await h.executeUpdate(resumeUpdate, { args: [{ by: 'bob', reason: 'ticket unrelated' }] });
    const result = (await h.result()) as RolloutResult;
    assert.equal(result.outcome, 'promoted');
    assert.ok(result.steps[0]!.bakedMs >= 6 * 3_600_000);
    assert.ok(result.totalSeconds >= 14 * 3600, `paused 8 h + baked 6 h, took ${result.totalSeconds} s`);
    assert.deepEqual(result.timeline.filter((t) => t.event === 'paused' || t.event === 'resumed').map((t) => [t.event, t.by]), [
      ['paused', 'alice (unsigned)'],
      ['resumed', 'bob (unsigned)'],
    ]);
  });

  it('set-bake and skip-bake change the bake and are recorded with identity; others are refused', async () => {
    const plan = canaryPlan().replace('    approval: { required: false }\n    bake: 6h', '    approval: { approvers: [alice, bob] }\n    bake: 24h');
    const h = await start(input(plan));
    await until(h, 'waiting for approval of canary', waitingFor('canary'));
    await h.executeUpdate(approveUpdate, { args: [{ step: 'canary', approver: 'alice', reason: 'go' }] });
    await until(h, 'baking', (s) => s.phase === 'baking');
    await refused(h.executeUpdate(setBakeUpdate, { args: [{ by: 'mallory', bake: '1h', reason: 'impatient' }] }), /mallory may not change the bake of step "canary"; allowed: alice, bob/);
    const changed = await h.executeUpdate(setBakeUpdate, { args: [{ by: 'bob', bake: '48h', reason: 'spans the weekend traffic peak' }] });
    assert.match(changed.detail, /1d -> 2d/);
    assert.equal((await status(h)).steps[0]!.bakeMs, 48 * 3_600_000);
    // Off the 10m analysis grid: a skip that lands just before a reading's timer
    // lets it fire while the next Update's workflow task (which cancels it) is at the worker, and
    // the Java test server strands such a run ("invalid history builder state for action",
    // temporalio/sdk-java#3088).
    await env.sleep('65m');
    await refused(h.executeUpdate(skipBakeUpdate, { args: [{ by: 'carol', reason: 'mine' }] }), /carol started this rollout and may not skip the bake/);
    await refused(h.executeUpdate(skipBakeUpdate, { args: [{ by: 'bob', reason: '' }] }), /reason is required/);
    await h.executeUpdate(skipBakeUpdate, { args: [{ by: 'alice', reason: 'metrics clean, incident commander agrees' }] });
    const result = (await h.result()) as RolloutResult;
    assert.equal(result.outcome, 'promoted');
    const canary = result.steps[0]!;
    assert.deepEqual(canary.bakeChanges.map((c) => [c.by, c.from, c.to, c.reason]), [['bob (unsigned)', '1d', '2d', 'spans the weekend traffic peak']]);
    assert.equal(canary.bakeSkipped?.by, 'alice (unsigned)', 'the sandbox accepts unsigned decisions and says so');
    assert.ok(canary.bakedMs < 3 * 3_600_000, `skipped after about an hour (baked ${canary.bakedMs} ms)`);
    const report = renderRolloutMarkdown(result);
    assert.match(report, /bake changed 1d -> 2d by bob \(unsigned\): "spans the weekend traffic peak"/);
    assert.match(report, /bake skipped by alice \(unsigned\): "metrics clean, incident commander agrees"/);
  });

  it('refuses approvals from the wrong person, for the wrong step, without a reason, and after an abort; nothing changes', async () => {
    const plan = canaryPlan().replace('    approval: { required: false }\n    bake: 6h', '    approval: { approvers: [alice, bob, carol], timeout: 2h }\n    bake: 6h');
    const h = await start(input(plan));
    await until(h, 'waiting for approval of canary', waitingFor('canary'));
    const before = await status(h);
    await refused(h.executeUpdate(approveUpdate, { args: [{ step: 'canary', approver: 'mallory', reason: 'lgtm' }] }), /mallory may not approve step "canary"; allowed: alice, bob, carol/);
    await refused(h.executeUpdate(approveUpdate, { args: [{ step: 'full', approver: 'alice', reason: 'lgtm' }] }), /step "full" is not the current step; the rollout is at step "canary"/);
    await refused(h.executeUpdate(approveUpdate, { args: [{ step: 'canary', approver: 'alice', reason: ' ' }] }), /a reason is required/);
    await refused(h.executeUpdate(approveUpdate, { args: [{ step: 'canary', approver: 'carol', reason: 'my own change' }] }), /carol started this rollout and may not approve/);
    await h.signal(approveSignal, { step: 'canary', approver: 'mallory', reason: 'via the Web UI' });
    const after = await until(h, 'the refused signal recorded', (s) => s.timeline.some((t) => t.event === 'refused'));
    assert.match(after.timeline.find((t) => t.event === 'refused')!.detail, /approveSignal from mallory refused: mallory may not approve/);
    assert.deepEqual(after.approvals, before.approvals);
    assert.equal(after.phase, 'awaiting-approval');
    assert.deepEqual(trafficOf(sandbox, BACKEND), pinned(STABLE[BACKEND]));
    await h.executeUpdate(abortUpdate, { args: [{ by: 'bob', reason: 'pager: projection lag' }] });
    await refused(h.executeUpdate(approveUpdate, { args: [{ step: 'canary', approver: 'alice', reason: 'lgtm' }] }), /aborted \(aborted by bob \(unsigned\): pager: projection lag\)/);
    await refused(h.executeUpdate(abortUpdate, { args: [{ by: 'alice', reason: 'again' }] }), /aborted/);
    const { result } = await failureOf(h.result());
    assert.equal(result.approvals.filter((a) => a.decision === 'approved').length, 0);
    assert.equal(result.compensation, 'not-needed', 'no traffic had moved');
    assertStable();
  });

  it('refuses a second rollout, or a rollback drill, on the same group while one runs', async () => {
    const first = input(canaryPlan().replace('    approval: { required: false }\n    bake: 6h', '    approval: { approvers: [alice] }\n    bake: 6h'));
    const h = await start(first);
    await until(h, 'waiting for approval of canary', waitingFor('canary'));
    await assert.rejects(start({ ...first }), (err: unknown) => {
      assert.ok(err instanceof TrafficLockHeldError, String(err));
      assert.match(err.message, /service group convex in .* is already being changed by stagedRollout traffic-.*-convex/);
      return true;
    });
    await assert.rejects(
      startUnderTrafficLock(env.client.workflow, ROLLBACK_WORKFLOW, { environment: first.environment, group: 'convex', taskQueue: TASK_QUEUE, args: [registerRollback(workerConfig, rollbackInputFor(sandbox, { mode: 'apply', environment: first.environment }))] }),
      (err: unknown) => err instanceof TrafficLockHeldError && /already being changed by stagedRollout/.test(err.message),
    );
    await h.executeUpdate(abortUpdate, { args: [{ by: 'alice', reason: 'test done' }] });
    await failureOf(h.result());
    assertStable();
  });

  it('a failing restore is retried until it succeeds and reported loudly meanwhile (status, search attribute, notification)', async () => {
    const h = await start(input(canaryPlan()));
    await until(h, 'baking', (x) => x.phase === 'baking');
    sandbox.failUpdates(DASHBOARD, { message: 'injected: IAM policy denies run.services.update' });
    await h.executeUpdate(abortUpdate, { args: [{ by: 'alice', reason: 'pager: write failures' }] });
    const stuck = await until(h, 'compensation stuck', (x) => x.compensation === 'stuck');
    assert.match(stuck.compensationDetail ?? '', /restore oa-convex-dashboard-sandbox to .*: attempt 1 failed: .*IAM policy denies run\.services\.update/);
    const described = await h.describe();
    assert.equal(described.typedSearchAttributes.get(DrillOutcome), 'COMPENSATION_STUCK');
    assert.ok(notices.calls.some((c) => (c.idempotencyKey ?? '').endsWith(':compensation-stuck')));
    sandbox.failUpdates(DASHBOARD, null);
    const { result } = await failureOf(h.result());
    assert.equal(result.compensation, 'done');
    assertStable();
    assert.deepEqual(cohortFlags(flags), { canary: false });
    assert.ok(result.timeline.some((t) => t.event === 'compensation' && /attempt 1 failed/.test(t.detail)), 'the failed attempt stays on the record');
  });

  it('continues as new when history grows, carrying the audit trail whole', async () => {
    const h = await start(input(canaryPlan(), { continueAsNewAfterEvents: 60 }));
    const result = (await h.result()) as RolloutResult;
    assert.equal(result.outcome, 'promoted');
    assert.ok(result.runs >= 2, `ran in ${result.runs} run(s)`);
    assert.ok(result.timeline.some((t) => t.event === 'continued-as-new'));
    assert.deepEqual(result.timeline.filter((t) => ['started', 'preflight', 'shifted', 'step-completed', 'finished'].includes(t.event)).map((t) => t.event), ['started', 'preflight', 'shifted', 'step-completed', 'shifted', 'step-completed', 'finished']);
    assert.equal(result.steps[0]!.readings, 36, 'one reading every 10 minutes across runs, none lost or repeated');
    assert.notEqual((await h.describe()).runId, (h as WorkflowHandleWithFirstExecutionRunId).firstExecutionRunId);
    assert.ok((await h.fetchHistory()).events!.length < 200, 'the last run has a short history');
  });
});
