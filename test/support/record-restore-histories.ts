// Records the histories of compensations that keep failing long enough to continue as new, for
// test/replay: an applied rollback drill whose restore fails, and a rollout aborted during a bake
// whose restore fails. Run after a deliberate change to src/workflows/rollback*.ts or
// src/workflows/rollout/compensation.ts (with a patched() guard for running workflows):
//   npx tsx test/support/record-restore-histories.ts [environment prefix, default can]
// Every run of each chain is saved (saveRunChain: the first under the workflow id, then `-run2`, `-run3`...).
import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { closeCloudRunClients } from '../../src/activities/traffic';
import { EnvironmentSchema } from '../../src/domain/config/schema';
import { seedServiceGroup, startCloudRunSandbox, type CloudRunSandbox } from '../../src/sandbox/cloud-run';
import { rollbackProgressQuery, ROLLBACK_WORKFLOW } from '../../src/contracts/rollback';
import { abortUpdate, ROLLOUT_WORKFLOW, rolloutStatusQuery } from '../../src/contracts/rollout';
import { startUnderTrafficLock } from '../../src/contracts/traffic-lock';
import { TASK_QUEUE } from '../../src/temporal/task-queue';
import { runRecording, saveRunChain } from './histories';
import { rollbackInputFor } from './rollback-sandbox';
import { rolloutInputFor, startRolloutCloudRun, startTestEndpoint } from './rollout-sandbox';
import { runChain } from './run-chain';
import { IAM_DENIES_UPDATE } from './stuck-compensation';
import { testEnv } from './temporal';
import { createTestWorker, emptyWorkerConfig } from './worker';
import { registerRollback, registerRollout } from './worker-config';

const BACKEND = 'oa-convex-backend-sandbox';
const DASHBOARD = 'oa-convex-dashboard-sandbox';
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const rolloutPlan = `
environment: $ENV
serviceGroup: convex
notify: { target: chat }
steps:
  - name: canary
    percent: 10
    approval: { required: false }
    bake: 1h
    hooks: [{ name: cohort-flag, params: { cohort: canary } }]
  - name: full
    percent: 100
    approval: { required: false }
`;

/** Fails both services' updates until the compensation has continued as new twice, then lets it finish and saves every run. */
async function failUntilHandedOver(client: Client, sandbox: CloudRunSandbox, h: WorkflowHandleWithFirstExecutionRunId): Promise<void> {
  for (const service of [BACKEND, DASHBOARD]) sandbox.failUpdates(service, IAM_DENIES_UPDATE);
  const deadline = Date.now() + 10 * 60_000;
  while ((await runChain(client, h.workflowId, h.firstExecutionRunId)).length < 3) {
    if (Date.now() > deadline) throw new Error(`${h.workflowId} did not continue as new twice within 10 minutes`);
    await pause(1000);
  }
  for (const service of [BACKEND, DASHBOARD]) sandbox.failUpdates(service, null);
  const outcome = await h.result().then(
    () => 'completed',
    (err: Error) => `failed: ${err.message}`,
  );
  console.log(`${h.workflowId}: ${outcome}`);
  for (const file of await saveRunChain(client, h.workflowId, h.firstExecutionRunId, 'every-run')) console.log(file);
}

async function main(): Promise<void> {
  const prefix = process.argv[2] ?? 'can';
  const env = await testEnv();
  const notices = await startTestEndpoint();
  const flags = await startTestEndpoint();
  const config = emptyWorkerConfig();
  const worker = await createTestWorker(env, { config });
  await worker.runUntil(async () => {
    // An applied rollback drill whose restore fails during the hold.
    const drillSandbox = await startCloudRunSandbox({ groups: [seedServiceGroup()], propagationDelayMs: 100, operationDelayMs: 100 });
    const drill = rollbackInputFor(drillSandbox, { mode: 'apply', environment: `${prefix}rb`, rollback: { holdSeconds: 3 } });
    const request = registerRollback(config, drill);
    const drillEnvironment = config.environments[drill.environment]!;
    drillEnvironment.rollout = { ...drillEnvironment.rollout, notifications: { chat: { webhook: `${notices.url}/hook` } }, notify: 'chat' };
    const d = await startUnderTrafficLock(env.client.workflow, ROLLBACK_WORKFLOW, { environment: drill.environment, group: drill.group, taskQueue: TASK_QUEUE, args: [{ ...request, continueAsNewAfterEvents: 40 }] });
    while ((await d.query(rollbackProgressQuery)).phase !== 'holding') await pause(100);
    await failUntilHandedOver(env.client, drillSandbox, d);
    await drillSandbox.stop();

    // A rollout aborted during its bake, whose restore fails.
    const rolloutSandbox = await startRolloutCloudRun();
    const environment = `${prefix}ro`;
    const flag = (enabled: boolean) => ({ http: { method: 'PUT', url: `${flags.url}/cohorts/{cohort}`, body: { enabled } } });
    config.environments[environment] = EnvironmentSchema.parse({ sandbox: true, production: false, rollout: { hooks: { 'cohort-flag': { params: ['cohort'], do: flag(true), undo: flag(false) } }, notifications: { chat: { webhook: `${notices.url}/hook` } } } });
    const input = rolloutInputFor(rolloutSandbox, environment, rolloutPlan, { continueAsNewAfterEvents: 60 });
    const r = await startUnderTrafficLock(env.client.workflow, ROLLOUT_WORKFLOW, { environment, group: input.group, taskQueue: TASK_QUEUE, args: [registerRollout(config, input)] });
    while ((await r.query(rolloutStatusQuery)).phase !== 'baking') await pause(100);
    for (const service of [BACKEND, DASHBOARD]) rolloutSandbox.failUpdates(service, IAM_DENIES_UPDATE);
    await r.executeUpdate(abortUpdate, { args: [{ by: 'bob', reason: 'pager: projection lag' }] });
    await failUntilHandedOver(env.client, rolloutSandbox, r);
    await rolloutSandbox.stop();
  });
  await closeCloudRunClients();
  await notices.stop();
  await flags.stop();
}

runRecording(main);
