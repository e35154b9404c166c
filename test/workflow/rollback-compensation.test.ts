import assert from 'node:assert/strict';
import { WorkflowFailedError, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { closeCloudRunClients } from '../../src/activities/traffic';
import { seedServiceGroup, startCloudRunSandbox, type CloudRunSandbox } from '../../src/sandbox/cloud-run';
import { rollbackProgressQuery, ROLLBACK_WORKFLOW, type RollbackDrillInput, type RollbackDrillResult, type RollbackProgress } from '../../src/contracts/rollback';
import { startUnderTrafficLock } from '../../src/contracts/traffic-lock';
import { DrillOutcome, DrillStep } from '../../src/temporal/search-attributes';
import { rollbackInputFor, uniqueEnvironment } from '../support/rollback-sandbox';
import { startTestEndpoint, type TestEndpoint } from '../support/rollout-sandbox';
import { runChain } from '../support/run-chain';
import { assertHandedOverByContinueAsNew, assertNothingDropped, assertStuckNoticesBackedOff, IAM_DENIES_UPDATE, trafficLockHeld } from '../support/stuck-compensation';
import { emptyWorkerConfig } from '../support/worker';
import { registerRollback } from '../support/worker-config';
import { useTimeSkippingWorker } from '../support/time-skipping-worker';
import { requestCancellationAsWebUi } from '../support/web-ui-cancel';

const BACKEND = 'oa-convex-backend-sandbox';
const DASHBOARD = 'oa-convex-dashboard-sandbox';
const TASK_QUEUE = 'rollback-compensation-test';
const LATEST = [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', revision: '', percent: 100, tag: '' }];

describe('applied rollback drill: its restore cannot be abandoned (time-skipping test server, real activities, Cloud Run sandbox)', function () {
  let env: TestWorkflowEnvironment;
  let sandbox: CloudRunSandbox;
  let notices: TestEndpoint;
  const config = emptyWorkerConfig();

  useTimeSkippingWorker(() => ({ taskQueue: TASK_QUEUE, config }), (e) => (env = e));
  beforeEach(async () => {
    sandbox = await startCloudRunSandbox({ groups: [seedServiceGroup()], propagationDelayMs: 100, operationDelayMs: 100 });
    notices = await startTestEndpoint();
  });
  afterEach(async () => {
    await closeCloudRunClients();
    await sandbox.stop();
    await notices.stop();
  });

  /** An applied drill holding the rollback targets for an hour, in an environment that notifies `chat`. */
  const start = async (over: { continueAsNewAfterEvents?: number } = {}): Promise<{ input: RollbackDrillInput; h: WorkflowHandleWithFirstExecutionRunId }> => {
    const input = rollbackInputFor(sandbox, { mode: 'apply', environment: uniqueEnvironment('rbc'), rollback: { holdSeconds: 3600 } });
    const request = registerRollback(config, input);
    const env0 = config.environments[input.environment]!;
    env0.rollout = { ...env0.rollout, notifications: { chat: { webhook: `${notices.url}/hook` } }, notify: 'chat' };
    const h = await startUnderTrafficLock(env.client.workflow, ROLLBACK_WORKFLOW, { environment: input.environment, group: input.group, taskQueue: TASK_QUEUE, args: [{ ...request, ...over }] });
    return { input, h };
  };
  async function until(h: WorkflowHandleWithFirstExecutionRunId, what: string, test: (p: RollbackProgress) => boolean): Promise<RollbackProgress> {
    const deadline = Date.now() + 60_000;
    let last: RollbackProgress | undefined;
    while (Date.now() < deadline) {
      last = await h.query(rollbackProgressQuery);
      if (test(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    return assert.fail(`drill never reached "${what}"; last phase ${last?.phase}`);
  }
  const lockHeld = (input: RollbackDrillInput): Promise<boolean> => trafficLockHeld(env.client.workflow, input, TASK_QUEUE, 'stagedRollout');

  it('Cloud Run updates of one service failing for 10 simulated days, then recovering: the drill continues as new, holds the lock, alerts at a backoff, and restores the exact original traffic', async function () {
    this.timeout(20 * 60_000);
    const { input, h } = await start();
    await until(h, 'holding', (p) => p.phase === 'holding');
    sandbox.failUpdates(BACKEND, IAM_DENIES_UPDATE);
    for (let day = 1; day <= 10; day++) {
      await env.sleep('1d');
      const p = await h.query(rollbackProgressQuery);
      assert.ok(p.restoreFailures > 0, `day ${day}: the restore is failing`);
      assert.ok(await lockHeld(input), `day ${day}: the group's traffic lock is held`);
      const attributes = (await h.describe()).typedSearchAttributes;
      assert.equal(attributes.get(DrillStep), 'restore-failing', `day ${day}`);
      assert.equal(attributes.get(DrillOutcome), 'COMPENSATION_STUCK', `day ${day}`);
      assert.notDeepEqual(sandbox.view(BACKEND).traffic, LATEST, `day ${day}: the backend is not restored yet`);
      assert.deepEqual(sandbox.view(DASHBOARD).traffic, LATEST, `day ${day}: one stuck service does not hold back the others`);
    }
    sandbox.failUpdates(BACKEND, null);
    const result = (await h.result()) as RollbackDrillResult;
    assert.equal(result.trafficRestored, true);
    for (const s of [BACKEND, DASHBOARD]) assert.deepEqual(sandbox.view(s).traffic, LATEST, s);
    assert.ok(result.rtoSeconds !== undefined, 'the RTO measured before the restore got stuck is still reported');
    assert.ok(result.restoreFailures > 100, `${result.restoreFailures} failed restore attempts counted across runs`);
    const chain = await runChain(env.client, h.workflowId, h.firstExecutionRunId);
    assert.ok(chain.length >= 3, `10 days of retries continued as new (runs: ${chain.length})`);
    assertHandedOverByContinueAsNew(chain, 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    assertStuckNoticesBackedOff(notices, 'restore-stuck');
  });

  it('a stuck notice raised on the failure that would hand over is delivered before the run continues as new', async function () {
    this.timeout(5 * 60_000);
    // The first run's history is past the limit when its first attempt fails, the failure that raises the first alarm.
    const { h } = await start({ continueAsNewAfterEvents: 40 });
    await until(h, 'holding', (p) => p.phase === 'holding');
    sandbox.failUpdates(BACKEND, IAM_DENIES_UPDATE);
    // The test server stops skipping time for good once a run closes with an activity in flight.
    let timer: NodeJS.Timeout | undefined;
    const skipped = await Promise.race([env.sleep('90m').then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 120_000)))]);
    clearTimeout(timer);
    const runs = await runChain(env.client, h.workflowId, h.firstExecutionRunId);
    assertNothingDropped(runs);
    assert.ok(skipped, 'simulated time went on');
    assert.ok(runs.length >= 3, `a restore failing for 30 minutes with a 40-event limit continued as new (runs: ${runs.length})`);
    sandbox.failUpdates(BACKEND, null);
    const result = (await h.result()) as RollbackDrillResult;
    assert.equal(result.trafficRestored, true);
    assertHandedOverByContinueAsNew(await runChain(env.client, h.workflowId, h.firstExecutionRunId), 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    const first = notices.calls.filter((c) => (c.idempotencyKey ?? '').endsWith('#1:restore-stuck'));
    assert.equal(first.length, 1, 'the first stuck notice reached the webhook once');
  });

  it('Web UI-style cancellation mid-hold restores the exact original traffic and records who cancelled', async () => {
    const { h } = await start();
    await until(h, 'holding', (p) => p.phase === 'holding');
    await requestCancellationAsWebUi(env, h.workflowId, { identity: 'alice@example.com', reason: 'drill window over' });
    await assert.rejects(h.result(), (err: unknown) => err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure);
    for (const s of [BACKEND, DASHBOARD]) assert.deepEqual(sandbox.view(s).traffic, LATEST, s);
    const p = await h.query(rollbackProgressQuery);
    assert.equal(p.phase, 'done');
    assert.equal(p.cancelledBy, 'alice@example.com: "drill window over"');
  });
});
