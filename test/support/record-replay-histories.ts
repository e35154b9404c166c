// Records the replay drill's committed histories that test/replay replays, with replay levels
// (patch `replay-levels`): level 1, level 2 (the default sandbox), level 3 (the runtime's history
// source on), a sink failure and a reproject that writes nothing. The replayDrill-pass,
// -sink-failure and -noop-sink histories were recorded before that patch and stay as they are.
// Run after a deliberate change to src/workflows/replay.ts (with a patched() guard for running
// workflows):  npx tsx test/support/record-replay-histories.ts
import { parseConfig, selectEnvironment } from '../../src/domain/config/parse';
import { startSandbox } from '../../src/sandbox/sandbox';
import { TASK_QUEUE } from '../../src/temporal/task-queue';
import { replayDrill } from '../../src/workflows/replay';
import { stringify } from 'yaml';
import { runRecording, saveHistory } from './histories';
import { testEnv } from './temporal';
import { createTestWorker, emptyWorkerConfig, tempDir } from './worker';
import { registerReplay } from './worker-config';

async function main(): Promise<void> {
  process.env.DRILLCTL_FROM_SOURCE = '1';
  const env = await testEnv();
  // The history source on: level 3 has it in the config, levels 1 and 2 leave it out.
  const sandbox = await startSandbox({ dataDir: tempDir('record-replay'), runtimeHistory: true });
  const config = emptyWorkerConfig();
  const worker = await createTestWorker(env, { config });
  const level3 = selectEnvironment(parseConfig(stringify(sandbox.config), 'sandbox'), undefined, 'sandbox').env.replay!;
  const level2 = { ...level3, historyRun: undefined, historyWorker: undefined };
  const level1 = { ...level2, projections: undefined };
  const cases: [string, typeof level3, Record<string, unknown> | null][] = [
    ['replayDrill-level1-pass', level1, null],
    ['replayDrill-level2-pass', level2, null],
    ['replayDrill-level3-pass', level3, null],
    ['replayDrill-level2-sink-failure', level2, { mode: 'fail', commands: ['reproject'] }],
    ['replayDrill-level2-unchanged', level2, { mode: 'noop', commands: ['reproject'] }],
    ['replayDrill-level3-drift', level3, { mode: 'drift', commands: ['reproject'] }],
  ];
  await worker.runUntil(async () => {
    for (const [name, replay, fault] of cases) {
      sandbox.faults.clear();
      if (fault) sandbox.faults.inject('runtime-sink', fault);
      // The workflow id is the file name: the replay test passes it back, so the fixture ids match.
      const result = await env.client.workflow.execute(replayDrill, { args: [registerReplay(config, { environment: 'sandbox', replay })], workflowId: name, taskQueue: TASK_QUEUE });
      console.log(`${name}: ${result.verdict} at level ${result.level?.proven} of ${result.level?.allowed} -> ${await saveHistory(env.client, name, name)}`);
    }
  });
  await sandbox.stop();
}

runRecording(main);
