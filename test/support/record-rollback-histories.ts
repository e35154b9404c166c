// Records the rollback drill histories that test/replay replays. Run after a deliberate change to
// src/workflows/rollback.ts (with a patched() guard for running workflows):
//   npx tsx test/support/record-rollback-histories.ts
// `--identity` records only the drills measured under the revision identity strategies (none on the
// Cloud Run-faithful sandbox, and a versionEndpoint that falls back), beside the earlier histories.
// File names are the workflow ids: an applied drill checks that it runs under its traffic lock id.
import { grpc } from 'google-gax';
import { closeCloudRunClients } from '../../src/activities/traffic';
import { seedServiceGroup, startCloudRunSandbox } from '../../src/sandbox/cloud-run';
import { ROLLBACK_WORKFLOW, rollbackWorkflowId, type RollbackDrillInput } from '../../src/contracts/rollback';
import { TASK_QUEUE } from '../../src/temporal/task-queue';
import { runRecording, saveHistory } from './histories';
import { rollbackInputFor } from './rollback-sandbox';
import { testEnv } from './temporal';
import { createTestWorker } from './worker';

async function main(): Promise<void> {
  const env = await testEnv();
  const sandbox = await startCloudRunSandbox({ groups: [seedServiceGroup()], propagationDelayMs: 300, operationDelayMs: 200 });
  const worker = await createTestWorker(env);
  const record = async (input: RollbackDrillInput, workflowId: string): Promise<void> => {
    await env.client.workflow.start(ROLLBACK_WORKFLOW, { args: [input], workflowId, taskQueue: TASK_QUEUE }).then((h) => h.result().catch(() => undefined));
    console.log(await saveHistory(env.client, workflowId, workflowId));
  };
  await worker.runUntil(async () => {
    if (process.argv.includes('--identity')) {
      const none = rollbackInputFor(sandbox, { mode: 'apply', environment: 'recordnone' });
      await record(none, rollbackWorkflowId(none.environment, none.group, 'apply', new Date()));
      const version = rollbackInputFor(sandbox, { mode: 'apply', environment: 'recordversion', identity: { backend: { versionEndpoint: { path: '/version' } }, dashboard: 'none' } });
      await record(version, rollbackWorkflowId(version.environment, version.group, 'apply', new Date()));
      return;
    }
    await record(rollbackInputFor(sandbox, { mode: 'dry-run', environment: 'record' }), 'rollback-plan-record-convex');
    const pass = rollbackInputFor(sandbox, { mode: 'apply', environment: 'record' });
    await record(pass, rollbackWorkflowId(pass.environment, pass.group, 'apply', new Date()));
    sandbox.failUpdates('oa-convex-dashboard-sandbox', { code: grpc.status.FAILED_PRECONDITION, message: 'dashboard update refused (recorded failure)' });
    const failing = rollbackInputFor(sandbox, { mode: 'apply', environment: 'recordfail' });
    await record(failing, rollbackWorkflowId(failing.environment, failing.group, 'apply', new Date()));
  });
  await closeCloudRunClients();
  await sandbox.stop();
}

runRecording(main);
