// Records the committed histories that test/replay replays. Run after a deliberate workflow
// change (with a patched() guard for running workflows):  npx tsx test/support/record-histories.ts
import { TASK_QUEUE } from '../../src/temporal/task-queue';
import { startSandbox } from '../../src/sandbox/sandbox';
import { healthDrill } from '../../src/workflows/health';
import { runRecording, saveHistory } from './histories';
import { testEnv } from './temporal';
import { createTestWorker, tempDir } from './worker';

async function main(): Promise<void> {
  const env = await testEnv();
  const sandbox = await startSandbox({ dataDir: tempDir('record') });
  const worker = await createTestWorker(env);
  const health = sandbox.config.environments.sandbox!.health!;
  await worker.runUntil(async () => {
    const input = { environment: 'sandbox', health: { timeoutMs: 2000, attempts: 2, ...health } };
    await env.client.workflow.execute(healthDrill, { args: [input], workflowId: 'record-health-pass', taskQueue: TASK_QUEUE });
    console.log(await saveHistory(env.client, 'record-health-pass', 'healthDrill-pass'));
    sandbox.faults.inject('backend', { status: 503 });
    await env.client.workflow.execute(healthDrill, { args: [input], workflowId: 'record-health-fail', taskQueue: TASK_QUEUE });
    console.log(await saveHistory(env.client, 'record-health-fail', 'healthDrill-fail'));
  });
  await sandbox.stop();
}

runRecording(main);
