// Records the replay drill's committed histories that test/replay replays (pass, a sink failure,
// a no-op sink caught by parity). Run after a deliberate change to src/workflows/replay.ts (with a
// patched() guard for running workflows):  npx tsx test/support/record-replay-histories.ts
import { readConfigFile } from '../../src/config-file';
import { startSandbox } from '../../src/sandbox/sandbox';
import { TASK_QUEUE } from '../../src/temporal/task-queue';
import { replayDrill } from '../../src/workflows/replay';
import { saveHistory } from './histories';
import { stopDevServer, testEnv } from './temporal';
import { createTestWorker, tempDir } from './worker';

async function main(): Promise<void> {
  process.env.DRILLCTL_FROM_SOURCE = '1';
  const env = await testEnv();
  const sandbox = await startSandbox({ dataDir: tempDir('record-replay') });
  const worker = await createTestWorker(env, { config: readConfigFile(sandbox.configPath) });
  const cases: [string, Record<string, unknown> | null][] = [
    ['replayDrill-pass', null],
    ['replayDrill-sink-failure', { mode: 'fail', commands: ['reproject'] }],
    ['replayDrill-noop-sink', { mode: 'noop' }],
  ];
  await worker.runUntil(async () => {
    for (const [name, fault] of cases) {
      sandbox.faults.clear();
      if (fault) sandbox.faults.inject('runtime-sink', fault);
      // The workflow id is the file name: the replay test passes it back, so the fixture ids match.
      const result = await env.client.workflow.execute(replayDrill, { args: [{ environment: 'sandbox' }], workflowId: name, taskQueue: TASK_QUEUE });
      console.log(`${name}: ${result.verdict} -> ${await saveHistory(env.client, name, name)}`);
    }
  });
  await sandbox.stop();
  await stopDevServer();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
