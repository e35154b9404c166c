// Records the backup/restore drill's committed histories that test/replay replays, with snapshots
// the worker owns (patch `worker-snapshots`): scratch restore proved equal (with file storage), an
// import the backend fails, a snapshot cut short. The backupRestoreDrill-pass, -import-failed and
// -truncated-snapshot histories were recorded before that patch and stay as they are. Run after a
// deliberate change to src/workflows/backup-restore.ts (with a patched() guard for running workflows):
//   npx tsx test/support/record-backup-histories.ts
import { stringify } from 'yaml';
import { parseConfig, selectEnvironment } from '../../src/domain/config/parse';
import { startSandbox } from '../../src/sandbox/sandbox';
import type { BackupRestoreInput } from '../../src/contracts/backup-restore';
import { TASK_QUEUE } from '../../src/temporal/task-queue';
import { backupRestoreDrill } from '../../src/workflows/backup-restore';
import { runRecording, saveHistory } from './histories';
import { testEnv } from './temporal';
import { createTestWorker, tempDir } from './worker';

async function main(): Promise<void> {
  const env = await testEnv();
  const sandbox = await startSandbox({ dataDir: tempDir('record-backup') });
  const worker = await createTestWorker(env);
  const backup = selectEnvironment(parseConfig(stringify(sandbox.config), 'sandbox'), undefined, 'sandbox').env.backup!;
  sandbox.convex.storeFile(Buffer.from('a stored file\n'), 'text/plain');
  const input: BackupRestoreInput = {
    environment: 'sandbox',
    production: false,
    backup: { ...backup, includeFileStorage: true },
    restoreMode: 'scratch',
    authorization: { destructive: false, confirmed: false, requestedBy: 'recorder' },
    approvers: [],
  };
  const cases: [string, [string, Record<string, unknown>] | null][] = [
    ['backupRestoreDrill-worker-snapshots-pass', null],
    ['backupRestoreDrill-worker-snapshots-import-failed', ['convex-import', { message: 'Hit an error while importing: disk quota exceeded' }]],
    ['backupRestoreDrill-worker-snapshots-truncated-snapshot', ['convex-export', { mode: 'truncate' }]],
  ];
  await worker.runUntil(async () => {
    for (const [name, fault] of cases) {
      sandbox.faults.clear();
      if (fault) sandbox.faults.inject(...fault);
      const result = await env.client.workflow.execute(backupRestoreDrill, { args: [input], workflowId: name, taskQueue: TASK_QUEUE });
      console.log(`${name}: ${result.verdict} -> ${await saveHistory(env.client, name, name)}`);
    }
  });
  await sandbox.stop();
}

runRecording(main);
