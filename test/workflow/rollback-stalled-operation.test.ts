import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { closeCloudRunClients } from '../../src/activities/traffic';
import { seedServiceGroup, startCloudRunSandbox, type CloudRunSandbox } from '../../src/sandbox/cloud-run';
import { ROLLBACK_WORKFLOW, type RollbackDrillInput } from '../../src/contracts/rollback';
import { startUnderTrafficLock } from '../../src/contracts/traffic-lock';
import { testEnv } from '../support/temporal';
import { createTestWorker, emptyWorkerConfig } from '../support/worker';
import { registerRollback } from '../support/worker-config';
import { rollbackInputFor, uniqueEnvironment } from '../support/rollback-sandbox';

const BACKEND = 'oa-convex-backend-sandbox';
const DASHBOARD = 'oa-convex-dashboard-sandbox';
const TASK_QUEUE = 'rollback-stalled-operation-test';
const LATEST_100 = [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', revision: '', percent: 100, tag: '' }];

/*
 * Fault matrix: a Cloud Run operation that never finishes. The client's operation promise ignores
 * cancellation and would poll for ten minutes; the shift activity must still give up at its own
 * deadline (start-to-close: switchTimeoutSeconds + 60 s, then retries that find the change still
 * reconciling), and the drill's compensation must put every service back while that operation is
 * still open.
 */
describe('rollback drill with a Cloud Run operation that never finishes (real dev server, real activities)', function () {
  // One start-to-close deadline (65 s) plus four short retries: about a minute and a half.
  this.timeout(300_000);
  let env: TestWorkflowEnvironment;
  let sandbox: CloudRunSandbox | undefined;
  let worker: Worker;
  let running: Promise<void>;
  const config = emptyWorkerConfig();

  before(async () => {
    env = await testEnv();
    worker = await createTestWorker(env, { taskQueue: TASK_QUEUE, config });
    running = worker.run();
  });
  after(async () => {
    // Stopping the emulator first ends the abandoned attempt's polling, so the worker can drain.
    await sandbox?.stop();
    await closeCloudRunClients();
    worker.shutdown();
    await running;
  });

  it('gives up on the stalled shift at its deadline, restores every service exactly and names the cause', async () => {
    sandbox = await startCloudRunSandbox({ groups: [seedServiceGroup()], propagationDelayMs: 100, operationDelayMs: 200 });
    const cloudRun = sandbox;
    const input: RollbackDrillInput = rollbackInputFor(cloudRun, { mode: 'apply', environment: uniqueEnvironment('stall'), rollback: { switchTimeoutSeconds: 5 } });
    // Operations on the backend started from now on stay open for an hour: far past every deadline.
    cloudRun.slowOperations(3_600_000, BACKEND);
    const handle = await startUnderTrafficLock(env.client.workflow, ROLLBACK_WORKFLOW, { environment: input.environment, group: input.group, taskQueue: TASK_QUEUE, args: [registerRollback(config, input)] });
    const deadline = Date.now() + 60_000;
    while (cloudRun.calls({ method: 'UpdateService', service: BACKEND }).length === 0) {
      assert.ok(Date.now() < deadline, 'the drill never tried to shift the backend');
      await new Promise((r) => setTimeout(r, 50));
    }
    // Only that one operation hangs: the restore's own operation finishes normally.
    cloudRun.clearFaults();
    const stalledGeneration = cloudRun.view(BACKEND).generation;

    const err = await handle.result().then(
      () => assert.fail('the drill should fail when its shift never finishes'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError, String(err));
    assert.ok(err.cause instanceof ApplicationFailure);
    assert.equal(err.cause.type, 'RollbackDrillFailed');
    assert.match(err.cause.message, new RegExp(`service ${BACKEND} was still reconciling after 5 s .*Traffic restored on every service, verified`));

    for (const s of [BACKEND, DASHBOARD]) assert.deepEqual(cloudRun.view(s).traffic, LATEST_100, s);
    const backend = cloudRun.view(BACKEND);
    assert.equal(backend.reconciling, false, 'the restore, a newer generation, finished');
    assert.ok(backend.generation > stalledGeneration);
    assert.ok(!cloudRun.inForce(BACKEND).some((g) => g.generation === stalledGeneration), 'the stalled operation is still open: the drill did not wait for it');
    // The shift once and the restore once: retries of the shift found the change already made and did not apply it again.
    assert.deepEqual(cloudRun.calls({ method: 'UpdateService', service: BACKEND }).map((c) => c.outcome), ['OK', 'OK']);
  });
});
