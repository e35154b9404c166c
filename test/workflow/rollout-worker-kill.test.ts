import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { closeCloudRunClients } from '../../src/activities/traffic';
import type { CloudRunSandbox } from '../../src/sandbox/cloud-run';
import { ROLLOUT_WORKFLOW, type RolloutRequest, type RolloutResult } from '../../src/contracts/rollout';
import { startUnderTrafficLock } from '../../src/contracts/traffic-lock';
import { uniqueEnvironment } from '../support/rollback-sandbox';
import { BACKEND, CANDIDATE, DASHBOARD, rolloutInputFor, STABLE, startRolloutCloudRun, trafficOf } from '../support/rollout-sandbox';
import { devServer, testEnv } from '../support/temporal';
import { emptyWorkerConfig, startWorkerProcess, tempDir, workerConfigFile, type WorkerProcess } from '../support/worker';
import { registerRollout } from '../support/worker-config';

// Only the child-process workers poll this queue, so killing one really stops the rollout's work.
const TASK_QUEUE = 'rollout-worker-kill-test';

const plan = (bake: string) => `
environment: $ENV
serviceGroup: convex
steps:
  - name: canary
    percent: 10
    approval: { required: false }
    bake: ${bake}
    analysis: { interval: 1s, stopAfter: 30s, probes: [{ samples: 3 }] }
  - name: full
    percent: 100
    approval: { required: false }
    bake: 1s
`;

async function until(what: string, test: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (test()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`never saw: ${what}`);
}

describe('stagedRollout survives a worker SIGKILL (real dev server, worker as a child process)', () => {
  let client: Client;
  let address: string;
  let sandbox: CloudRunSandbox;
  const workers: WorkerProcess[] = [];

  before(async () => {
    address = (await devServer()).address;
    client = (await testEnv()).client;
  });
  beforeEach(async () => {
    sandbox = await startRolloutCloudRun();
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.kill('SIGTERM');
    await closeCloudRunClients();
    await sandbox.stop();
  });

  /** The rollout's request, its environment written to the config file every worker of the test reads. */
  let configFile: string;
  const prepare = (bake: string): RolloutRequest => {
    const config = emptyWorkerConfig();
    const request = registerRollout(config, rolloutInputFor(sandbox, uniqueEnvironment('rk'), plan(bake)));
    configFile = workerConfigFile(config);
    return request;
  };
  const worker = async (): Promise<WorkerProcess> => {
    const w = startWorkerProcess(address, { DRILLCTL_TASK_QUEUE: TASK_QUEUE, DRILLCTL_HOME: tempDir('rollout-kill-home'), DRILLCTL_CONFIG: configFile });
    workers.push(w);
    await w.ready;
    return w;
  };
  const start = (request: RolloutRequest) => startUnderTrafficLock(client.workflow, ROLLOUT_WORKFLOW, { environment: request.environment, group: request.group, taskQueue: TASK_QUEUE, args: [request] });
  const atCanary = () => trafficOf(sandbox, BACKEND)[1]?.percent === 10 && trafficOf(sandbox, DASHBOARD)[1]?.percent === 10;

  it('killed during a bake: a new worker carries on, the bake counts in full, and the rollout ends at 100 %', async () => {
    const request = prepare('8s');
    const first = await worker();
    const handle = await start(request);
    await until('both services at the canary split', atCanary);
    // Inside the bake: the split is live and the analysis is reading.
    await new Promise((r) => setTimeout(r, 2000));
    await first.kill('SIGKILL');
    assert.ok(atCanary(), 'killed while the canary bakes');
    await worker();
    const result = (await handle.result()) as RolloutResult;
    assert.equal(result.outcome, 'promoted');
    const canary = result.steps[0]!;
    assert.ok(canary.bakedMs >= 8000, `baked ${canary.bakedMs} ms of 8 s`);
    assert.ok(canary.readings >= 3, `${canary.readings} readings`);
    assert.equal(result.timeline.filter((t) => t.event === 'shifted').length, 2, 'each shift happened once');
    assert.deepEqual(trafficOf(sandbox, BACKEND), [{ type: 'REVISION', revision: CANDIDATE[BACKEND], percent: 100 }]);
    assert.deepEqual(trafficOf(sandbox, DASHBOARD), [{ type: 'REVISION', revision: CANDIDATE[DASHBOARD], percent: 100 }]);
  });

  it('killed during a traffic shift: the retried shift finds the change made and the rollout carries on', async () => {
    const request = prepare('1s');
    const first = await worker();
    // A slow long-running operation keeps the shift activity open long enough to kill the worker in it.
    sandbox.slowOperations(4000);
    const handle = await start(request);
    await until('the canary shift sent to Cloud Run', () => sandbox.calls({ method: 'UpdateService', service: BACKEND }).length > 0);
    await first.kill('SIGKILL');
    assert.deepEqual(trafficOf(sandbox, DASHBOARD), [{ type: 'REVISION', revision: STABLE[DASHBOARD], percent: 100 }], 'killed before the dashboard moved');
    sandbox.clearFaults();
    await worker();
    const result = (await handle.result()) as RolloutResult;
    assert.equal(result.outcome, 'promoted');
    assert.equal(sandbox.calls({ method: 'UpdateService', service: BACKEND }).length, 2, 'two changes of the backend (canary, full): the canary change was not sent again after the kill');
    assert.deepEqual(trafficOf(sandbox, BACKEND), [{ type: 'REVISION', revision: CANDIDATE[BACKEND], percent: 100 }]);
    assert.deepEqual(trafficOf(sandbox, DASHBOARD), [{ type: 'REVISION', revision: CANDIDATE[DASHBOARD], percent: 100 }]);
  });
});
