import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ExportSnapshotRequest, ImportSnapshotRequest, ImportSnapshotResult, PruneSnapshotsRequest, VerifySnapshotRequest } from '../../src/activities/backup/types';
import type { SnapshotSummary, SnapshotTable } from '../../src/domain/snapshot/manifest';
import { backupRestoreDrill } from '../../src/workflows/backup-restore';
import type { BackupRestoreInput, BackupRestoreResult, RestoreMode } from '../../src/contracts/backup-restore';
import { DrillOutcome } from '../../src/temporal/search-attributes';
import { testEnv } from '../support/temporal';
import { createTestWorker, emptyWorkerConfig } from '../support/worker';
import { registerBackupRestore } from '../support/worker-config';
import { finishedRun } from '../../src/contracts/run-conclusion';

const hex = (c: string): string => c.repeat(64);
const tables: SnapshotTable[] = [
  { name: 'messages', documents: 3, sha256: hex('a'), documentsDigest: hex('b'), bytes: 300 },
  { name: 'users', documents: 1, sha256: hex('c'), documentsDigest: hex('d'), bytes: 80 },
];

function summary(zipPath: string, manifestPath: string, t: SnapshotTable[] = tables): SnapshotSummary {
  return { manifestVersion: 1, snapshot: zipPath.split('/').pop()!, zipBytes: 1234, zipSha256: hex('e'), verifiedAt: '2026-01-01T00:00:00.000Z', tables: t, totalDocuments: t.reduce((n, x) => n + x.documents, 0), warnings: [], zipPath, manifestPath };
}

/** Hand-written fakes of the backup port: they record calls and answer like the real adapter would. */
function fakeBackup(over: { restoredTables?: SnapshotTable[]; imported?: Partial<ImportSnapshotResult>; exportError?: ApplicationFailure } = {}) {
  const calls: string[] = [];
  return {
    calls,
    activities: {
      async exportSnapshot(req: ExportSnapshotRequest) {
        // Snapshots belong to the worker: the workflow names files and the environment, never a folder.
        assert.equal(req.zipPath.includes('/'), false, req.zipPath);
        assert.equal(req.environment, 'test');
        calls.push(`export ${req.deployment.url} -> ${req.zipPath.split('/').pop()}`);
        if (over.exportError) throw over.exportError;
        return { zipPath: req.zipPath, zipBytes: 1234, snapshotTs: '1' };
      },
      async verifySnapshot(req: VerifySnapshotRequest) {
        calls.push(`verify ${req.zipPath.split('/').pop()}${req.discardZip ? ' (discard)' : ''}`);
        // The worker places the names in its own snapshot folder.
        return summary(`/worker/snapshots/${req.zipPath}`, `/worker/snapshots/${req.manifestPath}`, req.zipPath.includes('.restored.') ? (over.restoredTables ?? tables) : tables);
      },
      async importSnapshot(req: ImportSnapshotRequest) {
        calls.push(`import ${req.mode} ${req.deployment.url}`);
        return { addedDocuments: 4, tables: { messages: 3, users: 1 }, resumed: false, ...over.imported };
      },
      async pruneSnapshots(req: PruneSnapshotsRequest) {
        calls.push(`prune ${req.dir === undefined && req.keep === undefined ? "by the worker's config" : `keep ${req.keep}`} (${req.environment})`);
        return { removed: ['convex-test-export-20200101T000000000Z.zip'] };
      },
    },
  };
}

function input(mode: RestoreMode, over: Partial<BackupRestoreInput> = {}): BackupRestoreInput {
  return {
    environment: 'test',
    production: false,
    backup: {
      source: { url: 'http://source.example', adminKey: 'env:SOURCE_KEY' },
      scratch: { url: 'http://scratch.example', adminKey: 'env:SCRATCH_KEY', instanceName: 'scratch-test' },
      restoreMode: 'scratch',
      snapshotDir: '/var/snapshots',
      keepSnapshots: 3,
      includeFileStorage: false,
      heartbeatTimeoutSeconds: 30,
    },
    restoreMode: mode,
    authorization: { destructive: false, confirmed: false, requestedBy: 'ada' },
    approvers: [],
    ...over,
  };
}

describe('backupRestoreDrill workflow (fake backup activities, real dev server)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await testEnv();
  });

  async function run(i: BackupRestoreInput, fake: ReturnType<typeof fakeBackup>) {
    const config = emptyWorkerConfig();
    const worker = await createTestWorker(env, { activities: fake.activities, taskQueue: `backup-wf-${Date.now()}`, config });
    const handle = await env.client.workflow.start(backupRestoreDrill, { args: [registerBackupRestore(config, i)], workflowId: `backup-wf-${Date.now()}-${Math.random()}`, taskQueue: worker.options.taskQueue });
    const result = await worker.runUntil(finishedRun<BackupRestoreResult>(handle));
    return { result, handle };
  }

  it('scratch: exports, verifies, restores into the scratch deployment, exports it back and proves it equal', async () => {
    const fake = fakeBackup();
    const { result, handle } = await run(input('scratch'), fake);
    assert.equal(result.verdict, 'PASS');
    assert.equal(result.dataProven, true);
    assert.match(fake.calls[0]!, /^export http:\/\/source\.example -> convex-test-export-\d{8}T\d{9}Z\.zip$/);
    assert.deepEqual(fake.calls.slice(1).map((c) => c.replace(/\d{8}T\d{9}Z/, 'T')), [
      'verify convex-test-export-T.zip',
      'import replaceAll http://scratch.example',
      'export http://scratch.example -> convex-test-export-T.restored.zip',
      'verify convex-test-export-T.restored.zip (discard)',
      "prune by the worker's config (test)",
    ]);
    assert.deepEqual(result.phases.map((p) => [p.phase, p.ok]), [['export', true], ['verify', true], ['restore', true], ['verify-restore', true], ['retention', true]]);
    assert.ok(result.phases.every((p) => p.seconds >= 0) && result.totalSeconds >= 0);
    assert.equal(result.addedDocuments, 4);
    assert.match(result.snapshot ?? '', /^\/worker\/snapshots\/convex-test-export-.*\.zip$/);
    assert.deepEqual(result.tables, [
      { name: 'messages', documents: 3, restoredDocuments: 3, match: true },
      { name: 'users', documents: 1, restoredDocuments: 1, match: true },
    ]);
    assert.deepEqual(result.prunedSnapshots, ['convex-test-export-20200101T000000000Z.zip']);
    const described = await handle.describe();
    assert.deepEqual(described.typedSearchAttributes.get(DrillOutcome), 'PASS');
  });

  it('fails when the restored deployment differs from the snapshot, naming the table', async () => {
    const fake = fakeBackup({ restoredTables: [tables[0]!, { ...tables[1]!, documentsDigest: hex('f') }] });
    const { result } = await run(input('scratch'), fake);
    assert.equal(result.verdict, 'FAIL');
    assert.equal(result.failure?.phase, 'verify-restore');
    assert.equal(result.failure?.type, 'RestoreMismatch');
    assert.match(result.failure!.message, /table users: same count \(1\) but different document bytes/);
    assert.equal(result.tables.find((t) => t.name === 'users')?.match, false);
    assert.equal(result.dataProven, false);
  });

  it('fails when the import added fewer documents than the snapshot holds, whatever the CLI exit code was', async () => {
    const fake = fakeBackup({ imported: { addedDocuments: 3, tables: { messages: 2, users: 1 } } });
    const { result } = await run(input('scratch'), fake);
    assert.equal(result.verdict, 'FAIL');
    assert.equal(result.failure?.type, 'ImportCountMismatch');
    assert.match(result.failure!.message, /reported "Added 3 documents" but the snapshot holds 4/);
    assert.ok(!fake.calls.some((c) => c.includes('.restored.')), 'no restore check after a failed restore');
  });

  it('reports a rejected admin key as the failure of the export, after one attempt', async () => {
    const fake = fakeBackup({ exportError: ApplicationFailure.nonRetryable('convex export against http://source.example was refused: the admin key from env:SOURCE_KEY is not valid', 'ConvexAdminKeyRejected') });
    const { result } = await run(input('scratch'), fake);
    assert.equal(result.verdict, 'FAIL');
    assert.deepEqual(result.failure, { phase: 'export', type: 'ConvexAdminKeyRejected', message: 'convex export against http://source.example was refused: the admin key from env:SOURCE_KEY is not valid' });
    assert.equal(fake.calls.filter((c) => c.startsWith('export')).length, 1);
    assert.equal(result.snapshot, null);
  });

  it('append restores into the source and checks per-table counts instead of exporting it back', async () => {
    const fake = fakeBackup();
    const { result } = await run(input('append'), fake);
    assert.equal(result.verdict, 'PASS');
    assert.ok(fake.calls.includes('import append http://source.example'));
    assert.ok(!fake.calls.some((c) => c.includes('.restored.')));
    assert.equal(result.comparison, null);
    assert.match(result.warnings.join(), /append added 4 documents to the live tables of http:\/\/source\.example/);
  });

  it('refuses replace-all without --destructive before doing anything', async () => {
    const fake = fakeBackup();
    await assert.rejects(run(input('replace-all'), fake), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError);
      assert.ok(err.cause instanceof ApplicationFailure);
      assert.equal(err.cause.type, 'RestoreRefused');
      assert.match(err.cause.message, /replace-all deletes documents in http:\/\/source\.example \(every table\): pass --destructive/);
      return true;
    });
    assert.deepEqual(fake.calls, []);
  });

  it('replace-all with --destructive restores into the source and compares every table', async () => {
    const fake = fakeBackup();
    const { result } = await run(input('replace-all', { authorization: { destructive: true, confirmed: false, requestedBy: 'ada' } }), fake);
    assert.equal(result.verdict, 'PASS');
    assert.ok(fake.calls.includes('import replaceAll http://source.example'));
    assert.equal(result.targetUrl, 'http://source.example');
  });
});
