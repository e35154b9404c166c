// Records the staged rollout histories that test/replay replays. Run after a deliberate change to
// src/workflows/rollout.ts (with a patched() guard for running rollouts):
//   npx tsx test/support/record-rollout-histories.ts [environment prefix, default recordro]
// A new prefix keeps the earlier histories, so the old and the patched-in paths both replay.
// File names are the workflow ids: child gates' ids derive from the rollout's.
import type { WorkflowHandle } from '@temporalio/client';
import { createActivities } from '../../src/activities';
import { closeCloudRunClients } from '../../src/activities/traffic';
import { ConfigSchema } from '../../src/domain/config/schema';
import { approveUpdate, rejectUpdate, ROLLOUT_WORKFLOW, rolloutStatusQuery, type RolloutInput } from '../../src/shared/rollout';
import { startUnderTrafficLock } from '../../src/shared/traffic-lock';
import { TASK_QUEUE } from '../../src/temporal/task-queue';
import { saveHistory } from './histories';
import { rolloutInputFor, startRolloutCloudRun, startTestEndpoint } from './rollout-sandbox';
import { stopDevServer, testEnv } from './temporal';
import { createTestWorker, tempDir } from './worker';

const plan = `
environment: $ENV
serviceGroup: convex
notify: { target: chat }
steps:
  - name: staff
    percent: 0
    tag: staff
    gates: [health]
    approval: { approvers: [alice] }
    bake: 2s
    hooks:
      - { name: cohort-flag, params: { cohort: staff } }
    analysis: { interval: 1s, probes: [{ target: tag, samples: 2 }, { samples: 2 }] }
  - name: full
    percent: 100
    gates: [rollback]
    approval: { approvers: [alice, bob] }
    bake: 1s
`;

async function main(): Promise<void> {
  const prefix = process.argv[2] ?? 'recordro';
  const env = await testEnv();
  const sandbox = await startRolloutCloudRun();
  const flags = await startTestEndpoint();
  const hook = await startTestEndpoint();
  // The worker's config declares the hook and the notification target the plan names.
  const flag = (enabled: boolean) => ({ http: { method: 'PUT', url: `${flags.url}/cohorts/{cohort}`, body: { enabled } } });
  const rollout = { hooks: { 'cohort-flag': { params: ['cohort'], do: flag(true), undo: flag(false) } }, notifications: { chat: { webhook: hook.url } } };
  const config = ConfigSchema.parse({ environments: { [prefix]: { sandbox: true, rollout }, [`${prefix}fail`]: { sandbox: true, rollout } } });
  const worker = await createTestWorker(env, { activities: createActivities({ dataDir: tempDir('record-rollout'), config }) });
  const waiting = async (h: WorkflowHandle, step: string): Promise<void> => {
    for (;;) {
      const s = await h.query(rolloutStatusQuery);
      if (s.phase === 'awaiting-approval' && s.currentStep === step) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const record = async (input: RolloutInput, decide: (h: WorkflowHandle) => Promise<void>): Promise<void> => {
    const h = await startUnderTrafficLock(env.client.workflow, ROLLOUT_WORKFLOW, { environment: input.environment, group: input.group, taskQueue: TASK_QUEUE, args: [input] });
    await decide(h);
    await h.result().catch(() => undefined);
    console.log(await saveHistory(env.client, h.workflowId, h.workflowId));
  };
  await worker.runUntil(async () => {
    await record(rolloutInputFor(sandbox, prefix, plan), async (h) => {
      await waiting(h, 'staff');
      await h.executeUpdate(approveUpdate, { args: [{ step: 'staff', approver: 'alice', reason: 'staff cohort ready', ticket: 'CHG-1' }] });
      await waiting(h, 'full');
      await h.executeUpdate(approveUpdate, { args: [{ step: 'full', approver: 'bob', reason: 'metrics clean' }] });
    });
    const again = await startRolloutCloudRun();
    await record(rolloutInputFor(again, `${prefix}fail`, plan), async (h) => {
      await waiting(h, 'staff');
      await h.executeUpdate(approveUpdate, { args: [{ step: 'staff', approver: 'alice', reason: 'staff cohort ready' }] });
      await waiting(h, 'full');
      await h.executeUpdate(rejectUpdate, { args: [{ step: 'full', approver: 'bob', reason: 'Sev2 in the staff cohort' }] });
    });
    await again.stop();
  });
  await closeCloudRunClients();
  await sandbox.stop();
  await flags.stop();
  await hook.stop();
  await stopDevServer();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
