// Records the rollout histories of the change-window path (patched rollout-change-windows) that
// test/replay replays:  npx tsx test/support/record-change-window-histories.ts [prefix, default recordcw]
// One rollout waits out a short freeze and goes on when it ends; another is let through a long
// freeze by a signed override, waits again at its next step, and is aborted during the wait.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { createActivities } from '../../src/activities';
import { closeCloudRunClients } from '../../src/activities/traffic';
import type { Config } from '../../src/domain/config/schema';
import { signDecision } from '../../src/signing/sign-decision';
import { abortUpdate, overrideWindowUpdate, ROLLOUT_WORKFLOW, rolloutStatusQuery, type RolloutStatus } from '../../src/contracts/rollout';
import { startUnderTrafficLock } from '../../src/contracts/traffic-lock';
import { TASK_QUEUE } from '../../src/temporal/task-queue';
import { runRecording, saveHistory } from './histories';
import { rolloutInputFor, startRolloutCloudRun } from './rollout-sandbox';
import { testEnv } from './temporal';
import { createTestWorker, tempDir } from './worker';
import { registerRollout } from './worker-config';

const plan = `
environment: $ENV
serviceGroup: convex
steps:
  - { name: canary, percent: 10, bake: 1s, approval: { required: false } }
  - { name: full, percent: 100, bake: 1s, approval: { required: false } }
`;

async function main(): Promise<void> {
  const prefix = process.argv[2] ?? 'recordcw';
  const env = await testEnv();
  const keys = tempDir('record-window-signers');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(keys, 'alice')]);
  const allowedSignersFile = path.join(keys, 'allowed_signers');
  fs.writeFileSync(allowedSignersFile, `alice ${fs.readFileSync(path.join(keys, 'alice.pub'), 'utf8')}`);
  const config: Config = { environments: {} };
  const worker = await createTestWorker(env, { activities: createActivities({ dataDir: tempDir('record-windows'), config }) });
  const until = async (h: WorkflowHandle, test: (s: RolloutStatus) => boolean): Promise<void> => {
    while (!test(await h.query(rolloutStatusQuery))) await new Promise((r) => setTimeout(r, 100));
  };
  const record = async (environment: string, freeze: { fromMs: number; untilMs: number; reason: string }, act: (h: WorkflowHandle) => Promise<void>): Promise<void> => {
    const sandbox = await startRolloutCloudRun();
    const request = registerRollout(config, rolloutInputFor(sandbox, environment, plan));
    config.environments[environment]!.signing = { allowedSignersFile, required: false };
    config.environments[environment]!.changeWindows = { timeZone: 'UTC', freezes: [{ from: new Date(freeze.fromMs).toISOString(), until: new Date(freeze.untilMs).toISOString(), reason: freeze.reason }] };
    const h = await startUnderTrafficLock(env.client.workflow, ROLLOUT_WORKFLOW, { environment, group: 'convex', taskQueue: TASK_QUEUE, args: [request] });
    await act(h);
    await h.result().catch(() => undefined);
    console.log(await saveHistory(env.client, h.workflowId, h.workflowId));
    await closeCloudRunClients();
    await sandbox.stop();
  };
  await worker.runUntil(async () => {
    await record(prefix, { fromMs: Date.now() - 60_000, untilMs: Date.now() + 20_000, reason: 'Short freeze' }, async () => undefined);
    await record(`${prefix}ovr`, { fromMs: Date.now() - 60_000, untilMs: Date.now() + 86_400_000, reason: 'Year-end change freeze' }, async (h) => {
      await until(h, (s) => s.changeWindow?.step === 'canary');
      const challenge = (await h.query(rolloutStatusQuery)).decision!;
      const reason = 'security fix cannot wait';
      const signature = await signDecision(path.join(keys, 'alice'), { ...challenge, decision: 'override-window', reason });
      await h.executeUpdate(overrideWindowUpdate, { args: [{ by: 'alice', step: 'canary', reason, signature }] });
      await until(h, (s) => s.changeWindow?.step === 'full');
      await h.executeUpdate(abortUpdate, { args: [{ by: 'alice', reason: 'wait for the freeze to end' }] });
    });
  });
}

runRecording(main);
