// Records the histories of a rollback drill whose restore keeps failing long enough to continue as
// new (the first run, handing the restore over, and the run that finishes it), for test/replay:
//   npx tsx test/support/record-restore-histories.ts [environment prefix, default recordcan]
// The first run's file is named for the group's lock id: an applied drill checks that it runs
// under it. The run that took over skips that check, so its name only has to be unique.
import { grpc } from 'google-gax';
import { closeCloudRunClients } from '../../src/activities/traffic';
import { seedServiceGroup, startCloudRunSandbox } from '../../src/sandbox/cloud-run';
import { rollbackProgressQuery, ROLLBACK_WORKFLOW } from '../../src/shared/rollback';
import { startUnderTrafficLock } from '../../src/shared/traffic-lock';
import { TASK_QUEUE } from '../../src/temporal/task-queue';
import { saveRunHistory } from './histories';
import { rollbackInputFor } from './rollback-sandbox';
import { startTestEndpoint } from './rollout-sandbox';
import { stopDevServer, testEnv } from './temporal';
import { createTestWorker, emptyWorkerConfig } from './worker';
import { registerRollback } from './worker-config';

const BACKEND = 'oa-convex-backend-sandbox';
const DASHBOARD = 'oa-convex-dashboard-sandbox';

async function main(): Promise<void> {
  const prefix = process.argv[2] ?? 'recordcan';
  const env = await testEnv();
  const sandbox = await startCloudRunSandbox({ groups: [seedServiceGroup()], propagationDelayMs: 100, operationDelayMs: 100 });
  const notices = await startTestEndpoint();
  const config = emptyWorkerConfig();
  const worker = await createTestWorker(env, { config });
  await worker.runUntil(async () => {
    const input = rollbackInputFor(sandbox, { mode: 'apply', environment: prefix, rollback: { holdSeconds: 3 } });
    const request = registerRollback(config, input);
    const environment = config.environments[prefix]!;
    environment.rollout = { ...environment.rollout, notifications: { chat: { webhook: `${notices.url}/hook` } }, notify: 'chat' };
    const h = await startUnderTrafficLock(env.client.workflow, ROLLBACK_WORKFLOW, { environment: prefix, group: input.group, taskQueue: TASK_QUEUE, args: [{ ...request, continueAsNewAfterEvents: 60 }] });
    while ((await h.query(rollbackProgressQuery)).phase !== 'holding') await new Promise((r) => setTimeout(r, 100));
    for (const service of [BACKEND, DASHBOARD]) sandbox.failUpdates(service, { code: grpc.status.PERMISSION_DENIED, message: 'injected: IAM policy denies run.services.update' });
    while ((await h.describe()).runId === h.firstExecutionRunId) await new Promise((r) => setTimeout(r, 500));
    for (const service of [BACKEND, DASHBOARD]) sandbox.failUpdates(service, null);
    await h.result();
    const last = (await h.describe()).runId;
    console.log(await saveRunHistory(env.client, h.workflowId, h.firstExecutionRunId, h.workflowId));
    console.log(await saveRunHistory(env.client, h.workflowId, last, `${h.workflowId}-took-over`));
  });
  await closeCloudRunClients();
  await sandbox.stop();
  await notices.stop();
  await stopDevServer();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
