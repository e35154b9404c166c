import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkflowFailedError, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { closeCloudRunClients } from '../../src/activities/traffic';
import { EnvironmentSchema, type Config } from '../../src/domain/config/schema';
import type { CloudRunSandbox } from '../../src/sandbox/cloud-run';
import { ROLLBACK_WORKFLOW } from '../../src/contracts/rollback';
import { abortUpdate, ROLLOUT_ABORTED, ROLLOUT_WORKFLOW, rolloutStatusQuery, type RolloutInput, type RolloutResult, type RolloutStatus } from '../../src/contracts/rollout';
import { startUnderTrafficLock } from '../../src/contracts/traffic-lock';
import { DrillOutcome } from '../../src/temporal/search-attributes';
import { uniqueEnvironment } from '../support/rollback-sandbox';
import { BACKEND, cohortFlags, DASHBOARD, rolloutInputFor, STABLE, startRolloutCloudRun, startTestEndpoint, trafficOf, type TestEndpoint } from '../support/rollout-sandbox';
import { runChain } from '../support/run-chain';
import { assertHandedOverByContinueAsNew, assertStuckNoticesBackedOff, IAM_DENIES_UPDATE, trafficLockHeld } from '../support/stuck-compensation';
import { registerRollout } from '../support/worker-config';
import { useTimeSkippingWorker } from '../support/time-skipping-worker';
import { requestCancellationAsWebUi } from '../support/web-ui-cancel';

const TASK_QUEUE = 'rollout-compensation-test';
const { EventType } = temporal.api.enums.v1;
const pinned = (revision: string) => [{ type: 'REVISION', revision, percent: 100 }];

/** A webhook that accepts connections and never answers, until `release()`. */
async function startSilentWebhook(): Promise<{ url: string; arrivals: number[]; release(): void; stop(): Promise<void> }> {
  let answering = false;
  const held: http.ServerResponse[] = [];
  const arrivals: number[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    arrivals.push(Date.now());
    if (answering) res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    else held.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    arrivals,
    release() {
      answering = true;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const canaryPlan = `
environment: $ENV
serviceGroup: convex
notify: { target: chat }
steps:
  - name: canary
    percent: 10
    approval: { required: false }
    bake: 6h
    hooks:
      - { name: cohort-flag, params: { cohort: canary } }
  - name: full
    percent: 100
    approval: { required: false }
`;

describe('rollout compensation cannot be abandoned (time-skipping test server, real activities, Cloud Run sandbox)', function () {
  let env: TestWorkflowEnvironment;
  let sandbox: CloudRunSandbox;
  let flags: TestEndpoint;
  let notices: TestEndpoint;
  const workerConfig: Config = { environments: {} };
  const started: WorkflowHandle[] = [];

  useTimeSkippingWorker(() => ({ taskQueue: TASK_QUEUE, config: workerConfig }), (e) => (env = e));
  beforeEach(async () => {
    sandbox = await startRolloutCloudRun();
    flags = await startTestEndpoint();
    notices = await startTestEndpoint();
  });
  afterEach(async () => {
    for (const h of started.splice(0)) await h.terminate('test finished').catch(() => undefined);
    await closeCloudRunClients();
    await sandbox.stop();
    await flags.stop();
    await notices.stop();
  });

  const input = (webhook = `${notices.url}/hook`, over: Partial<RolloutInput> = {}): RolloutInput => {
    const environment = uniqueEnvironment('rc');
    const flag = (enabled: boolean) => ({ http: { method: 'PUT', url: `${flags.url}/cohorts/{cohort}`, body: { enabled } } });
    workerConfig.environments[environment] = EnvironmentSchema.parse({
      sandbox: true,
      rollout: { hooks: { 'cohort-flag': { params: ['cohort'], do: flag(true), undo: flag(false) } }, notifications: { chat: { webhook } } },
    });
    return rolloutInputFor(sandbox, environment, canaryPlan, over);
  };
  const start = async (i: RolloutInput): Promise<WorkflowHandleWithFirstExecutionRunId> => {
    const h = await startUnderTrafficLock(env.client.workflow, ROLLOUT_WORKFLOW, { environment: i.environment, group: i.group, taskQueue: TASK_QUEUE, args: [registerRollout(workerConfig, i)] });
    started.push(h);
    return h;
  };
  async function until(h: WorkflowHandle, what: string, test: (s: RolloutStatus) => boolean, timeoutMs = 60_000): Promise<RolloutStatus> {
    const deadline = Date.now() + timeoutMs;
    let last: RolloutStatus | undefined;
    while (Date.now() < deadline) {
      last = await h.query(rolloutStatusQuery);
      if (test(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    return assert.fail(`rollout never reached "${what}"; last phase ${last?.phase}, compensation ${last?.compensation}`);
  }
  async function abortedResult(run: Promise<unknown>): Promise<RolloutResult> {
    try {
      await run;
    } catch (err) {
      assert.ok(err instanceof WorkflowFailedError, String(err));
      assert.ok(err.cause instanceof ApplicationFailure && err.cause.type === ROLLOUT_ABORTED, String(err.cause));
      return err.cause.details?.[0] as RolloutResult;
    }
    return assert.fail('the rollout should have been aborted');
  }
  const assertStable = (): void => {
    assert.deepEqual(trafficOf(sandbox, BACKEND), pinned(STABLE[BACKEND]));
    assert.deepEqual(trafficOf(sandbox, DASHBOARD), pinned(STABLE[DASHBOARD]));
  };
  const lockHeld = (i: RolloutInput): Promise<boolean> => trafficLockHeld(env.client.workflow, i, TASK_QUEUE, ROLLBACK_WORKFLOW);

  it('Cloud Run updates failing for 10 simulated days, then recovering: the run continues as new, holds the lock, alerts at a backoff, and restores stable traffic', async function () {
    this.timeout(20 * 60_000);
    const i = input();
    const h = await start(i);
    await until(h, 'baking', (s) => s.phase === 'baking');
    for (const service of [BACKEND, DASHBOARD]) sandbox.failUpdates(service, IAM_DENIES_UPDATE);
    await h.executeUpdate(abortUpdate, { args: [{ by: 'alice', reason: 'pager: write failures' }] });
    await until(h, 'compensation stuck', (s) => s.compensation === 'stuck');
    let runs = 1;
    for (let day = 1; day <= 10; day++) {
      await env.sleep('1d');
      const s = await h.query(rolloutStatusQuery);
      assert.equal(s.phase, 'compensating', `day ${day}`);
      assert.equal(s.compensation, 'stuck', `day ${day}`);
      assert.ok(await lockHeld(i), `day ${day}: the group's traffic lock is held`);
      assert.equal((await h.describe()).typedSearchAttributes.get(DrillOutcome), 'COMPENSATION_STUCK', `day ${day}`);
      assert.ok(s.runs >= runs, `day ${day}: run ${s.runs}`);
      runs = s.runs;
      assert.notDeepEqual(trafficOf(sandbox, BACKEND), pinned(STABLE[BACKEND]), `day ${day}: nothing restored yet`);
    }
    assert.ok(runs >= 3, `10 days of retries continued as new (runs: ${runs})`);
    for (const service of [BACKEND, DASHBOARD]) sandbox.failUpdates(service, null);
    const result = await abortedResult(h.result());
    assertStable();
    assert.deepEqual(cohortFlags(flags), { canary: false });
    assert.equal(result.compensation, 'done');
    assert.ok(result.timeline.some((t) => t.event === 'continued-as-new' && /compensat/.test(t.detail)), 'continued as new while compensating');
    assertHandedOverByContinueAsNew(await runChain(env.client, h.workflowId, h.firstExecutionRunId), 'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED');
    assertStuckNoticesBackedOff(notices, 'compensation-stuck');
  });

  it('a webhook that never answers: the restore starts within 5 s of the abort, before the abort notice is sent', async function () {
    this.timeout(3 * 60_000);
    const webhook = await startSilentWebhook();
    try {
      const h = await start(input(webhook.url));
      await until(h, 'baking', (s) => s.phase === 'baking');
      const updatesBefore = sandbox.calls({ method: 'UpdateService' }).length;
      const abortedAtMs = Date.now();
      await h.executeUpdate(abortUpdate, { args: [{ by: 'alice', reason: 'pager: write failures' }] });
      const deadline = Date.now() + 30_000;
      while (sandbox.calls({ method: 'UpdateService' }).length === updatesBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const first = sandbox.calls({ method: 'UpdateService' })[updatesBefore];
      assert.ok(first, 'no restore reached Cloud Run within 30 s of the abort');
      assert.ok(first.atMs - abortedAtMs < 5000, `the first restore update started ${first.atMs - abortedAtMs} ms after the abort`);
      // In workflow terms: the restore was scheduled no later than the "aborted" notice.
      const events = (await h.fetchHistory()).events ?? [];
      const scheduled = (type: string) => events.findIndex((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && e.activityTaskScheduledEventAttributes?.activityType?.name === type);
      assert.ok(scheduled('restoreTraffic') >= 0 && scheduled('restoreTraffic') < scheduled('notifyRollout'), 'the restore was scheduled before the abort notice');
      webhook.release();
      const result = await abortedResult(h.result());
      assertStable();
      assert.equal(result.compensation, 'done');
    } finally {
      await webhook.stop();
    }
  });

  it('Web UI-style cancellation mid-bake restores traffic exactly and records who cancelled', async () => {
    const i = input();
    const h = await start(i);
    await until(h, 'baking', (s) => s.phase === 'baking');
    await requestCancellationAsWebUi(env, h.workflowId, { identity: 'alice@example.com', reason: 'Sev2: candidate corrupts exports' });
    await assert.rejects(h.result(), (err: unknown) => err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure);
    assertStable();
    assert.deepEqual(cohortFlags(flags), { canary: false });
    const s = await h.query(rolloutStatusQuery);
    assert.equal(s.compensation, 'done');
    assert.match(s.abortedBy ?? '', /alice@example\.com/);
    assert.match(s.abortReason ?? '', /cancelled by alice@example\.com: "Sev2: candidate corrupts exports"/);
    const aborted = notices.calls.find((c) => (c.idempotencyKey ?? '').endsWith(':aborted'));
    assert.match(JSON.stringify(aborted?.body), /alice@example\.com/);
  });
});
