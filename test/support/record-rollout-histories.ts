// Records the staged rollout histories that test/replay replays. Run after a deliberate change to
// src/workflows/rollout/ (with a patched() guard for running rollouts):
//   npx tsx test/support/record-rollout-histories.ts [environment prefix, default recordro]
// A new prefix keeps the earlier histories, so the old and the patched-in paths both replay.
// Some decisions are signed (alice's and bob's keys, made here), some not: both paths are recorded.
// File names are the workflow ids: child gates' ids derive from the rollout's.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { createActivities } from '../../src/activities';
import { closeCloudRunClients } from '../../src/activities/traffic';
import { signDecision } from '../../src/signing/sign-decision';
import { ConfigSchema } from '../../src/domain/config/schema';
import type { DecisionKind } from '../../src/domain/decision-signature';
import { approveUpdate, rejectUpdate, ROLLOUT_WORKFLOW, rolloutStatusQuery, type ApprovalRequest, type RolloutInput } from '../../src/contracts/rollout';
import { startUnderTrafficLock } from '../../src/contracts/traffic-lock';
import { TASK_QUEUE } from '../../src/temporal/task-queue';
import { runRecording, saveHistory } from './histories';
import { rolloutInputFor, startRolloutCloudRun, startTestEndpoint } from './rollout-sandbox';
import { testEnv } from './temporal';
import { createTestWorker, tempDir } from './worker';
import { registerRollout } from './worker-config';

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
  // Alice and bob sign some decisions with real ssh-keygen keys, so the signed path is recorded too.
  const keys = tempDir('record-signers');
  for (const who of ['alice', 'bob']) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(keys, who)]);
  const allowedSignersFile = path.join(keys, 'allowed_signers');
  fs.writeFileSync(allowedSignersFile, ['alice', 'bob'].map((who) => `${who} ${fs.readFileSync(path.join(keys, `${who}.pub`), 'utf8')}`).join(''));
  const signing = { allowedSignersFile };
  const config = ConfigSchema.parse({ environments: { [prefix]: { sandbox: true, production: false, rollout, signing }, [`${prefix}fail`]: { sandbox: true, production: false, rollout, signing } } });
  const worker = await createTestWorker(env, { activities: createActivities({ dataDir: tempDir('record-rollout'), config }) });
  const waiting = async (h: WorkflowHandle, step: string): Promise<void> => {
    for (;;) {
      const s = await h.query(rolloutStatusQuery);
      if (s.phase === 'awaiting-approval' && s.currentStep === step) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const signed = async (h: WorkflowHandle, kind: DecisionKind, req: ApprovalRequest): Promise<ApprovalRequest> => {
    const challenge = (await h.query(rolloutStatusQuery)).decision!;
    return { ...req, signature: await signDecision(path.join(keys, req.approver), { ...challenge, decision: kind, reason: req.reason, ...(req.ticket ? { ticket: req.ticket } : {}) }) };
  };
  const record = async (input: RolloutInput, decide: (h: WorkflowHandle) => Promise<void>): Promise<void> => {
    const h = await startUnderTrafficLock(env.client.workflow, ROLLOUT_WORKFLOW, { environment: input.environment, group: input.group, taskQueue: TASK_QUEUE, args: [registerRollout(config, input)] });
    await decide(h);
    await h.result().catch(() => undefined);
    console.log(await saveHistory(env.client, h.workflowId, h.workflowId));
  };
  await worker.runUntil(async () => {
    await record(rolloutInputFor(sandbox, prefix, plan), async (h) => {
      await waiting(h, 'staff');
      await h.executeUpdate(approveUpdate, { args: [await signed(h, 'approve', { step: 'staff', approver: 'alice', reason: 'staff cohort ready', ticket: 'CHG-1' })] });
      await waiting(h, 'full');
      await h.executeUpdate(approveUpdate, { args: [{ step: 'full', approver: 'bob', reason: 'metrics clean' }] });
    });
    const again = await startRolloutCloudRun();
    await record(rolloutInputFor(again, `${prefix}fail`, plan), async (h) => {
      await waiting(h, 'staff');
      await h.executeUpdate(approveUpdate, { args: [{ step: 'staff', approver: 'alice', reason: 'staff cohort ready' }] });
      await waiting(h, 'full');
      await h.executeUpdate(rejectUpdate, { args: [await signed(h, 'reject', { step: 'full', approver: 'bob', reason: 'Sev2 in the staff cohort' })] });
    });
    await again.stop();
  });
  await closeCloudRunClients();
  await sandbox.stop();
  await flags.stop();
  await hook.stop();
}

runRecording(main);
