import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection, Client } from '@temporalio/client';
import { parse, stringify } from 'yaml';
import { SECRET_MANAGER_EMULATOR_ENV } from '../../src/activities/secret-manager';
import type { BackupRestoreResult } from '../../src/contracts/backup-restore';
import { CANARY_TABLE } from '../../src/sandbox/convex/canaries';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox';
import type { SnapshotManifest } from '../../src/domain/snapshot/manifest';
import { runDrillctl, type CliRun } from '../support/drillctl';
import { devServer } from '../support/temporal';
import { startWorkerProcess, tempDir, type WorkerProcess } from '../support/worker';

const WRONG_KEY = `wrong-admin-key-${process.pid}-e2e`;

/** Every command line seen on the machine while a drill runs, to prove no key is ever on one. */
class ArgvWatch {
  private readonly seen = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => this.scan(), 25);
  }

  private scan(): void {
    for (const pid of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        this.seen.add(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '));
      } catch {
        // the process ended
      }
    }
  }

  stop(): string[] {
    clearInterval(this.timer);
    this.scan();
    return [...this.seen];
  }
}

function leftoverEnvFiles(): string[] {
  return fs
    .readdirSync(os.tmpdir())
    .filter((d) => d.startsWith('drillctl-convex-'))
    .flatMap((d) => {
      try {
        return fs.readdirSync(path.join(os.tmpdir(), d)).filter((f) => f.endsWith('.env')).map((f) => path.join(d, f));
      } catch {
        return [];
      }
    });
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('drillctl drill backup-restore (subprocess CLI, worker process, real convex CLI, sandbox stand-ins)', function () {
  this.timeout(300_000);
  let sandbox: Sandbox;
  let worker: WorkerProcess;
  let address: string;
  let client: Client;
  const home = tempDir('backup-e2e-home');
  const workerEnv = { DRILL_E2E_WRONG_KEY: WRONG_KEY, DRILLCTL_HOME: tempDir('backup-e2e-worker') };

  before(async () => {
    address = (await devServer()).address;
    sandbox = await startSandbox({ dataDir: tempDir('backup-e2e-sandbox') });
    await useWorkerConfig(sandbox.configPath);
    client = new Client({ connection: await Connection.connect({ address }) });
  });
  after(async () => {
    await worker.kill('SIGTERM');
    await client.connection.close();
    await sandbox.stop();
  });
  afterEach(() => sandbox.faults.clear());

  /** The sandbox config with the backup section changed. */
  function configWith(change: (backup: Record<string, unknown>) => void): string {
    const doc = parse(fs.readFileSync(sandbox.configPath, 'utf8')) as { environments: { sandbox: { backup: Record<string, unknown> } } };
    change(doc.environments.sandbox.backup);
    const file = path.join(home, `config-${Date.now()}.yaml`);
    fs.writeFileSync(file, stringify(doc));
    return file;
  }

  /**
   * The worker owns its config and reads it at start: a test that changes the backup section runs
   * a worker with that config (the CLI is given the same file, for its early checks).
   */
  let workerConfig = '';
  async function useWorkerConfig(config: string, restart = false): Promise<void> {
    if (config === workerConfig && !restart) return;
    if (worker) await worker.kill('SIGTERM');
    worker = startWorkerProcess(address, { ...workerEnv, DRILLCTL_CONFIG: config, [SECRET_MANAGER_EMULATOR_ENV]: sandbox.secretManager.address });
    await worker.ready;
    workerConfig = config;
  }

  const drill = async (args: string[], config = sandbox.configPath): Promise<CliRun> => {
    await useWorkerConfig(config);
    return runDrillctl(['--config', config, ...args], { TEMPORAL_ADDRESS: address, DRILLCTL_HOME: home }, 240_000);
  };

  const json = (run: CliRun): BackupRestoreResult & { webUiUrl: string } => {
    try {
      return JSON.parse(run.stdout) as BackupRestoreResult & { webUiUrl: string };
    } catch {
      throw new Error(`not JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
    }
  };

  async function historyText(workflowId: string): Promise<string> {
    return JSON.stringify(await client.workflow.getHandle(workflowId).fetchHistory());
  }

  it('exports, verifies, restores into the scratch deployment and proves it equal; no admin key in argv, history, logs or output', async () => {
    const sourceKey = fs.readFileSync(sandbox.convexAdminKeyFile, 'utf8').trim();
    const scratchKey = fs.readFileSync(sandbox.convexScratchAdminKeyFile, 'utf8').trim();
    const watch = new ArgvWatch();
    const run = await drill(['--json', 'drill', 'backup-restore']);
    const argv = watch.stop();
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const r = json(run);
    assert.equal(r.verdict, 'PASS');
    assert.equal(r.dataProven, true);
    assert.equal(r.restoreMode, 'scratch');
    assert.ok(r.snapshot && fs.existsSync(r.snapshot), 'the snapshot is kept');
    assert.match(path.basename(r.snapshot), /^convex-sandbox-export-\d{8}T\d{9}Z\.zip$/);
    assert.ok(r.manifest && fs.existsSync(r.manifest), 'the manifest is written next to it');
    const canaries = r.tables.find((t) => t.name === CANARY_TABLE);
    assert.deepEqual(canaries, { name: CANARY_TABLE, documents: 5, restoredDocuments: 5, match: true });
    assert.equal(r.addedDocuments, r.totalDocuments);
    assert.deepEqual(Object.keys(r.phaseSeconds).sort(), ['export', 'restore', 'retention', 'verify', 'verify-restore']);
    assert.ok(r.totalSeconds > 0);
    assert.deepEqual(sandbox.convexScratch.documentLines(CANARY_TABLE), sandbox.convex.documentLines(CANARY_TABLE));
    const lines = sandbox.convexScratch.documentLines(CANARY_TABLE).join('\n');
    assert.match(lines, /"value":1\.0[,}]/);
    assert.match(lines, /"value":9007199254740993[,}]/);
    assert.match(lines, /"value":\{"\$bytes":"3q2\+7wD\/"\}/);

    assert.ok(argv.some((a) => a.includes('convex') && a.includes(' export ')), 'the scan saw the convex CLI run');
    const history = await historyText(r.workflowId);
    for (const key of [sourceKey, scratchKey]) {
      assert.ok(!argv.some((a) => a.includes(key)), 'admin key on a command line');
      assert.ok(!history.includes(key), 'admin key in workflow history');
      assert.ok(!worker.output().includes(key), 'admin key in worker logs');
      assert.ok(!run.stdout.includes(key) && !run.stderr.includes(key), 'admin key in the report');
      assert.ok(!fs.readFileSync(r.manifest, 'utf8').includes(key), 'admin key in the manifest');
    }
    assert.deepEqual(leftoverEnvFiles(), []);

    const human = await drill(['drill', 'backup-restore']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /Backup\/restore drill on sandbox: PASS/);
    assert.match(human.stdout, /Restore \(scratch\) into http:\/\/127\.0\.0\.1:\d+: Added \d+ documents; the export of the target equals the snapshot/);
    assert.match(human.stdout, new RegExp(`${CANARY_TABLE}\\s+5\\s+5\\s+yes`));
    assert.match(human.stdout, /Phases: export [\d.]+s, verify [\d.]+s, restore [\d.]+s, verify-restore [\d.]+s, retention [\d.]+s/);
  });

  it('with includeFileStorage: stored files exported (--include-file-storage), verified, restored into scratch byte for byte', async () => {
    const files = [sandbox.convex.storeFile(Buffer.from('invoice #1\n'), 'text/plain'), sandbox.convex.storeFile(Buffer.from([0, 1, 2, 255, 254, 10, 13]), 'application/octet-stream')];
    const config = configWith((b) => (b.includeFileStorage = true));
    const watch = new ArgvWatch();
    const run = await drill(['--json', 'drill', 'backup-restore'], config);
    const argv = watch.stop();
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const r = json(run);
    assert.equal(r.verdict, 'PASS', JSON.stringify(r.failure));
    assert.ok(argv.some((a) => a.includes(' export ') && a.includes('--include-file-storage')), 'the convex CLI was asked for file storage');
    const manifest = JSON.parse(fs.readFileSync(r.manifest!, 'utf8')) as SnapshotManifest;
    const stored = sandbox.convex.storedFiles();
    assert.equal(manifest.storage?.files, stored.length);
    for (const f of files) {
      const entry = manifest.entries.find((e) => e.kind === 'storage-file' && e.path.startsWith(`_storage/${f._id}`));
      assert.ok(entry, `${f._id} is in the snapshot`);
      assert.equal(entry.sha256, Buffer.from(f.sha256, 'base64').toString('hex'));
    }
    assert.equal(r.comparison?.equal, true);
    const restored = new Map(sandbox.convexScratch.storedFiles().map((f) => [f._id, f.bytes]));
    for (const f of stored) assert.deepEqual(restored.get(f._id), f.bytes, `${f._id} restored byte for byte`);
  });

  it('with includeFileStorage: a flipped byte in one stored file fails the drill at verification', async () => {
    const victim = sandbox.convex.storeFile(Buffer.from('payroll 2026\n'), 'text/plain');
    sandbox.convex.corruptStoredFile(victim._id);
    const run = await drill(['--json', 'drill', 'backup-restore'], configWith((b) => (b.includeFileStorage = true)));
    assert.equal(run.code, 1, run.stderr);
    const r = json(run);
    assert.equal(r.verdict, 'FAIL');
    assert.equal(r.failure?.phase, 'verify');
    assert.match(r.failure?.message ?? '', new RegExp(`stored file _storage/${victim._id}\\.txt is corrupted: its SHA-256 is [0-9a-f]{64}, its record says [0-9a-f]{64}`));
  });

  it('reads the admin keys from Secret Manager (gcp: references): PASS, and no key in history, logs or output', async () => {
    const sourceKey = fs.readFileSync(sandbox.convexAdminKeyFile, 'utf8').trim();
    const config = configWith((b) => {
      (b.source as Record<string, unknown>).adminKey = `gcp:projects/${sandbox.secretManager.project}/secrets/convex-admin-key/versions/latest`;
      (b.scratch as Record<string, unknown>).adminKey = `gcp:projects/${sandbox.secretManager.project}/secrets/convex-scratch-admin-key`;
    });
    const run = await drill(['--json', 'drill', 'backup-restore'], config);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const r = json(run);
    assert.equal(r.verdict, 'PASS');
    assert.equal(r.dataProven, true);
    assert.ok(sandbox.secretManager.accessed().includes(`projects/${sandbox.secretManager.project}/secrets/convex-admin-key/versions/latest`), 'the key came from Secret Manager');
    const history = await historyText(r.workflowId);
    for (const text of [history, worker.output(), run.stdout, run.stderr]) assert.ok(!text.includes(sourceKey), 'the admin key leaked');
  });

  it('a gcp: key that is missing, or that the worker may not read, fails the export naming the reference and the fix', async () => {
    const missing = `gcp:projects/${sandbox.secretManager.project}/secrets/no-such-key/versions/1`;
    const notFound = json(await drill(['--json', 'drill', 'backup-restore'], configWith((b) => ((b.source as Record<string, unknown>).adminKey = missing))));
    assert.equal(notFound.verdict, 'FAIL');
    assert.equal(notFound.failure?.phase, 'export');
    assert.match(notFound.failure!.message, /secret gcp:projects\/drillctl-sandbox\/secrets\/no-such-key\/versions\/1 was not found in Secret Manager/);
    sandbox.faults.inject('secret-manager-denied', { secret: 'convex-admin-key' });
    const ref = `gcp:projects/${sandbox.secretManager.project}/secrets/convex-admin-key/versions/1`;
    const denied = json(await drill(['--json', 'drill', 'backup-restore'], configWith((b) => ((b.source as Record<string, unknown>).adminKey = ref))));
    assert.equal(denied.verdict, 'FAIL');
    assert.match(denied.failure!.message, /the worker may not read secret gcp:projects\/drillctl-sandbox\/secrets\/convex-admin-key\/versions\/1 .*roles\/secretmanager\.secretAccessor/);
  });

  it('fails fast on a wrong admin key, once, with a clear message, and the key appears nowhere', async () => {
    const config = configWith((b) => ((b.source as Record<string, unknown>).adminKey = 'env:DRILL_E2E_WRONG_KEY'));
    const refusedBefore = sandbox.convex.stats().unauthorized;
    const watch = new ArgvWatch();
    const run = await drill(['--json', 'drill', 'backup-restore'], config);
    const argv = watch.stop();
    assert.equal(run.code, 1, run.stderr);
    const r = json(run);
    assert.equal(r.verdict, 'FAIL');
    assert.equal(r.failure?.phase, 'export');
    assert.equal(r.failure?.type, 'ConvexAdminKeyRejected');
    assert.match(r.failure!.message, /was refused: the admin key from env:DRILL_E2E_WRONG_KEY is not valid for this deployment .*Put the deployment's current admin key in env:DRILL_E2E_WRONG_KEY/);
    assert.equal(sandbox.convex.stats().unauthorized - refusedBefore, 1, 'one refused request: no retry storm');
    const history = await historyText(r.workflowId);
    assert.equal((history.match(/"activityTaskStartedEventAttributes"/g) ?? []).length, 1, 'one activity attempt');
    for (const text of [history, worker.output(), run.stdout, run.stderr, ...argv]) assert.ok(!text.includes(WRONG_KEY), 'the wrong key leaked');
    assert.deepEqual(leftoverEnvFiles(), []);
  });

  it('fails when the backend fails the import, and when it drops documents while the CLI exits 0', async () => {
    sandbox.faults.inject('convex-import', { message: 'Hit an error while importing: disk quota exceeded' });
    const failed = json(await drill(['--json', 'drill', 'backup-restore']));
    assert.equal(failed.verdict, 'FAIL');
    assert.equal(failed.failure?.phase, 'restore');
    assert.equal(failed.failure?.type, 'ConvexImportFailed');
    assert.match(failed.failure!.message, /disk quota exceeded/);

    sandbox.faults.inject('convex-import', { mode: 'drop', count: 2 });
    const run = await drill(['--json', 'drill', 'backup-restore']);
    assert.equal(run.code, 1);
    const short = json(run);
    assert.equal(short.verdict, 'FAIL');
    assert.equal(short.failure?.type, 'ImportCountMismatch');
    assert.match(short.failure!.message, new RegExp(`reported "Added ${short.totalDocuments! - 2} documents" but the snapshot holds ${short.totalDocuments}`));
    assert.equal(short.addedDocuments, short.totalDocuments! - 2);
  });

  it('fails verification of a snapshot cut short in transit, with the reason', async () => {
    sandbox.faults.inject('convex-export', { mode: 'truncate' });
    const r = json(await drill(['--json', 'drill', 'backup-restore']));
    assert.equal(r.verdict, 'FAIL');
    assert.equal(r.failure?.phase, 'verify');
    assert.equal(r.failure?.type, 'SnapshotInvalid');
    assert.match(r.failure!.message, /truncated or not a ZIP file/);
    assert.equal(r.addedDocuments, null, 'nothing was restored from a broken snapshot');
  });

  it('refuses destructive or misconfigured restores before anything starts (exit 2)', async () => {
    const exportsBefore = sandbox.convex.stats().exportsRequested;
    const replaceAll = await drill(['drill', 'backup-restore', '--mode', 'replace-all']);
    assert.equal(replaceAll.code, 2);
    assert.match(replaceAll.stderr, /restore mode replace-all deletes documents in http:\/\/127\.0\.0\.1:\d+ \(every table\): pass --destructive to confirm, or use restore mode scratch/);
    assert.match(replaceAll.stderr, /hint: nothing was exported or changed/);
    const sameAsSource = configWith((b) => ((b.scratch as Record<string, unknown>).url = (b.source as Record<string, unknown>).url));
    const same = await drill(['drill', 'backup-restore'], sameAsSource);
    assert.equal(same.code, 2);
    assert.match(same.stderr, /backup\.scratch\.url is the source deployment/);
    const unknown = await drill(['drill', 'backup-restore', '--mode', 'restore-everything']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown restore mode "restore-everything"/);
    assert.equal(sandbox.convex.stats().exportsRequested, exportsBefore, 'nothing was exported');
  });

  it('refuses a scratch restore into a backend that is not the declared scratch deployment, however its URL is spelled', async () => {
    // Another URL of the source deployment (as one Cloud Run service has several): the URL check
    // cannot tell, the identity the backend reports can.
    const otherUrlOfSource = configWith((b) => {
      const source = b.source as { url: string; adminKey: string };
      Object.assign(b.scratch as Record<string, unknown>, { url: source.url.replace('127.0.0.1', 'localhost'), adminKey: source.adminKey });
    });
    const importsBefore = sandbox.convex.stats().importsStarted;
    const run = await drill(['--json', 'drill', 'backup-restore'], otherUrlOfSource);
    assert.equal(run.code, 1, run.stderr);
    const r = json(run);
    assert.equal(r.verdict, 'FAIL');
    assert.equal(r.failure?.phase, 'restore');
    assert.equal(r.failure?.type, 'RestoreRefused');
    assert.match(r.failure!.message, /the backend at http:\/\/localhost:\d+ reports instance "sandbox-convex", not the scratch deployment "sandbox-convex-scratch" the config declares; nothing was imported/);
    assert.equal(sandbox.convex.stats().importsStarted, importsBefore, 'nothing was imported into the source');
  });

  it('finishes correctly on a new worker when the worker is killed during the import', async () => {
    const config = configWith((b) => (b.heartbeatTimeoutSeconds = 5));
    const importsBefore = sandbox.convexScratch.stats().importsStarted;
    sandbox.faults.inject('convex-import', { mode: 'stall' });
    const running = drill(['--json', 'drill', 'backup-restore'], config);
    await waitFor('the import to be in progress', () => sandbox.convexScratch.imports().some((i) => i.state === 'in_progress'), 120_000);
    await worker.kill('SIGKILL');
    await useWorkerConfig(config, true);
    sandbox.faults.clear('convex-import');
    const run = await running;
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const r = json(run);
    assert.equal(r.verdict, 'PASS');
    assert.equal(r.restoreResumed, true, 'the new worker picked up the running import');
    assert.equal(sandbox.convexScratch.stats().importsStarted - importsBefore, 1, 'imported once');
    assert.equal(r.addedDocuments, r.totalDocuments);
    assert.deepEqual(sandbox.convexScratch.tables(), sandbox.convex.tables());
    assert.deepEqual(sandbox.convexScratch.documentLines(CANARY_TABLE), sandbox.convex.documentLines(CANARY_TABLE));
    await waitFor('the dead worker\'s env file to be gone', () => leftoverEnvFiles().length === 0, 30_000);
  });
});
