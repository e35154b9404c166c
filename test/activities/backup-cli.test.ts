import assert from 'node:assert/strict';
import { spawn, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createBackupActivities } from '../../src/activities/backup';
import { envFileLine, type SpawnProcess } from '../../src/activities/backup/convex-cli';
import { compareManifests } from '../../src/domain/snapshot/compare-manifests';
import { startConvexStandIn, type ConvexStandIn } from '../../src/sandbox/convex/convex-stand-in';
import { quietActivityEnv, runActivity } from '../support/backup-activity-env';
import { runConvexCli } from '../support/convex-cli';

// Keys with characters an env file could mangle (`#` starts a comment, `|` as in real admin keys).
const KEY_A = "source|01ab#x y'z";
const KEY_B = 'scratch|fedcba9876543210';

interface SpawnRecord {
  argv: string[];
  env: NodeJS.ProcessEnv;
  envFileMode?: number;
  envFile?: string;
}

describe('backup activities: the real convex CLI against stand-ins', function () {
  let root: string;
  let source: ConvexStandIn;
  let scratch: ConvexStandIn;
  let spawned: SpawnRecord[];
  let activities: ReturnType<typeof createBackupActivities>;

  const recordingSpawn: SpawnProcess = (command, args, options: SpawnOptions) => {
    const i = args.indexOf('--env-file');
    const envFile = i >= 0 ? args[i + 1] : undefined;
    spawned.push({ argv: [command, ...args], env: { ...options.env }, envFile, envFileMode: envFile ? fs.statSync(envFile).mode & 0o777 : undefined });
    return spawn(command, args, options);
  };

  const sourceRef = { url: '', adminKey: 'env:DRILL_TEST_SOURCE_KEY' };
  const scratchRef = { url: '', adminKey: 'env:DRILL_TEST_SCRATCH_KEY' };

  beforeEach(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'backup-cli-'));
    source = await startConvexStandIn({ dataDir: path.join(root, 'source'), adminKey: KEY_A });
    scratch = await startConvexStandIn({ dataDir: path.join(root, 'scratch'), adminKey: KEY_B });
    sourceRef.url = source.url;
    scratchRef.url = scratch.url;
    process.env.DRILL_TEST_SOURCE_KEY = KEY_A;
    process.env.DRILL_TEST_SCRATCH_KEY = KEY_B;
    spawned = [];
    activities = createBackupActivities({ spawnProcess: recordingSpawn });
    source.seed('messages', [
      { body: 'float one', score: 1 },
      { body: 'int64 beyond 2^53', big: 9007199254740993n },
      { body: 'bytes', raw: new Uint8Array([0, 1, 254, 255]) },
    ]);
    source.seed('users', [{ name: 'Ada' }]);
  });

  afterEach(async () => {
    await source.stop();
    await scratch.stop();
    fs.rmSync(root, { recursive: true, force: true });
    delete process.env.DRILL_TEST_SOURCE_KEY;
    delete process.env.DRILL_TEST_SCRATCH_KEY;
  });

  function assertKeyNeverExposed(): void {
    assert.ok(spawned.length > 0);
    for (const s of spawned) {
      for (const key of [KEY_A, KEY_B]) {
        assert.ok(!s.argv.join(' ').includes(key), 'admin key on a command line');
        assert.ok(!Object.values(s.env).some((v) => v?.includes(key)), 'admin key in the CLI environment');
      }
      assert.equal(s.envFileMode, 0o600, 'env file is private');
      assert.equal(fs.existsSync(s.envFile!), false, 'env file removed');
      assert.equal(s.env.CI, '1');
      assert.equal(s.env.NO_COLOR, '1');
    }
  }

  it('exports from A, restores into B, and the export of B compares equal, float 1.0, int64 > 2^53 and bytes included', async () => {
    const zip = path.join(root, 'snapshots', 'convex-test-export-20260101T000000000Z.zip');
    const env = quietActivityEnv();
    const exported = await runActivity(env, activities.exportSnapshot, { deployment: sourceRef, zipPath: zip });
    assert.equal(exported.zipPath, zip);
    assert.match(exported.snapshotTs ?? '', /^\d{19}$/);
    const snap = await runActivity(env, activities.verifySnapshot, { zipPath: zip, manifestPath: `${zip}.manifest.json` });
    assert.deepEqual(snap.tables.map((t) => [t.name, t.documents]), [['messages', 3], ['users', 1]]);

    const imported = await runActivity(env, activities.importSnapshot, { deployment: scratchRef, zipPath: zip, mode: 'replaceAll' });
    assert.equal(imported.addedDocuments, 4);
    assert.equal(imported.resumed, false);
    assert.deepEqual(imported.tables, { messages: 3, users: 1 });

    const back = path.join(root, 'snapshots', 'back.zip');
    await runActivity(env, activities.exportSnapshot, { deployment: scratchRef, zipPath: back });
    const restored = await runActivity(env, activities.verifySnapshot, { zipPath: back, manifestPath: `${back}.manifest.json`, discardZip: true });
    assert.equal(fs.existsSync(back), false, 'the comparison export is discarded');
    const comparison = compareManifests(snap, restored);
    assert.deepEqual(comparison.mismatches, []);
    assert.equal(comparison.equal, true);
    assert.deepEqual(scratch.documentLines('messages'), source.documentLines('messages'));
    const lines = scratch.documentLines('messages').join('\n');
    assert.match(lines, /"score":1\.0[,}]/);
    assert.match(lines, /"big":9007199254740993[,}]/);
    assert.match(lines, /"raw":\{"\$bytes":"AAH\+\/w=="\}/);
    assertKeyNeverExposed();
  });

  it('fails fast on a wrong admin key with a non-retryable failure that names the reference, not the key', async () => {
    process.env.DRILL_TEST_SOURCE_KEY = 'wrong|key-for-this-deployment';
    await assert.rejects(runActivity(quietActivityEnv(), activities.exportSnapshot, { deployment: sourceRef, zipPath: path.join(root, 'x.zip') }), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'ConvexAdminKeyRejected');
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, /convex export against http:\/\/127\.0\.0\.1:\d+ was refused: the admin key from env:DRILL_TEST_SOURCE_KEY is not valid/);
      assert.ok(!err.message.includes('wrong|key'), 'the key is not in the message');
      return true;
    });
    assert.equal(source.stats().unauthorized, 1, 'one refused request, no retries');
    assert.equal(fs.existsSync(path.join(root, 'x.zip')), false);
    const dummy = path.join(root, 'dummy.zip');
    fs.writeFileSync(dummy, 'not read: the key is refused first');
    await assert.rejects(runActivity(quietActivityEnv(), activities.importSnapshot, { deployment: { ...scratchRef, adminKey: 'env:DRILL_TEST_SOURCE_KEY' }, zipPath: dummy, mode: 'append' }), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'ConvexAdminKeyRejected');
      assert.match(err.message, /convex import against .* was refused: the admin key from env:DRILL_TEST_SOURCE_KEY/);
      return true;
    });
    assert.equal(scratch.stats().unauthorized, 1);
    assertKeyNeverExposed();
  });

  it('fails an import the backend failed, and reports a short import as the smaller count it is', async () => {
    const zip = path.join(root, 'snap.zip');
    const env = quietActivityEnv();
    await runActivity(env, activities.exportSnapshot, { deployment: sourceRef, zipPath: zip });
    scratch.failNextImport('Hit an error while importing: disk quota exceeded');
    await assert.rejects(runActivity(env, activities.importSnapshot, { deployment: scratchRef, zipPath: zip, mode: 'replaceAll' }), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'ConvexImportFailed');
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, /convex import against .* failed on the deployment: Hit an error while importing: disk quota exceeded/);
      return true;
    });
    scratch.dropDocumentsOnNextImport(2);
    const short = await runActivity(env, activities.importSnapshot, { deployment: scratchRef, zipPath: zip, mode: 'replaceAll' });
    assert.equal(short.addedDocuments, 2);
  });

  it('after a worker died mid-import, a retry waits for the import already running instead of importing twice', async () => {
    const zip = path.join(root, 'snap.zip');
    await runActivity(quietActivityEnv(), activities.exportSnapshot, { deployment: sourceRef, zipPath: zip });
    const startedAtMs = Date.now();
    scratch.stallImports();
    // The dead worker's CLI: it confirmed the import, which keeps running on the deployment.
    const orphan = runConvexCli(['import', '--append', '-y', zip], { url: scratch.url, adminKey: KEY_B });
    const deadline = Date.now() + 60_000;
    while (!scratch.imports().some((i) => i.state === 'in_progress') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(scratch.imports().some((i) => i.state === 'in_progress'));

    const retry = quietActivityEnv({ attempt: 2, heartbeatDetails: { startedAtMs, step: 'importing', importedTables: 0 } });
    const beats: unknown[] = [];
    retry.on('heartbeat', (d: unknown) => beats.push(d));
    const result = runActivity(retry, activities.importSnapshot, { deployment: scratchRef, zipPath: zip, mode: 'append' });
    while (beats.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    scratch.releaseImports();
    const out = await result;
    assert.equal(out.resumed, true);
    assert.equal(out.addedDocuments, 4);
    assert.deepEqual(scratch.tables(), { messages: 3, users: 1 }, 'imported once, not twice');
    assert.equal(scratch.stats().importsStarted, 1);
    assert.equal((await orphan).code, 0);
    assert.equal(spawned.filter((s) => s.argv.includes('import')).length, 0, 'the retry did not run the CLI again');
  });

  it('writes env-file values that dotenv reads back verbatim', () => {
    assert.equal(envFileLine('K', 'a|b#c d'), "K='a|b#c d'");
    assert.equal(envFileLine('K', "it's"), 'K=`it\'s`');
    assert.throws(() => envFileLine('K', 'a\nb'), /line break/);
  });
});
