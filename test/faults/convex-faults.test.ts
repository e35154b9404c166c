import assert from 'node:assert/strict';
import type { BackupConfig } from '../../src/domain/config/schema';
import type { BackupRestoreResult } from '../../src/contracts/backup-restore';
import { startStack, type Stack } from '../support/stack';
import { alive, processesMatching, rssSampler, sleep, stackClient } from './stack-client';

const SERVICES = ['oa-convex-backend-sandbox', 'oa-convex-dashboard-sandbox'];

/*
 * Fault matrix, Convex side: the real convex CLI against the sandbox's Convex stand-ins, the worker
 * in-process with the sandbox's config. A hung CLI is bounded by backup.cliTimeoutSeconds and its
 * whole process group is killed; a snapshot with one enormous line is refused without holding it.
 */
describe('fault matrix: Convex CLI and snapshots (real convex CLI, sandbox stand-ins, real dev server)', function () {
  this.timeout(300_000);
  let stack: Stack;
  let backup: BackupConfig;
  const original: Partial<BackupConfig> = {};
  before(async () => {
    stack = await startStack('faults-convex');
    backup = stack.workerConfig.environments.sandbox!.backup!;
    Object.assign(original, { cliTimeoutSeconds: backup.cliTimeoutSeconds, maxDocumentLineBytes: backup.maxDocumentLineBytes });
  });
  after(() => stack?.stop());
  afterEach(() => {
    stack.sandbox.faults.clear();
    Object.assign(backup, original);
  });

  const traffic = () => Object.fromEntries(SERVICES.map((s) => [s, stack.sandbox.cloudRun.view(s).traffic]));

  async function backupDrill(): Promise<BackupRestoreResult> {
    const client = await stackClient(stack);
    const run = await client.startBackupRestore({ environment: 'sandbox', authorization: { destructive: false, confirmed: false, requestedBy: 'ada' } });
    return run.result();
  }

  it('a convex CLI that hangs is killed with its process group at backup.cliTimeoutSeconds and the drill names the cause', async () => {
    backup.cliTimeoutSeconds = 3;
    const before = traffic();
    // The source's export never finishes: the CLI would poll it for about 30 hours.
    stack.sandbox.faults.inject('convex-export', { mode: 'stall' });
    const seen = new Map<number, string>();
    let watching = true;
    const watch = (async () => {
      while (watching) {
        for (const [pid, cmd] of processesMatching('convex', 'main.js', 'export')) seen.set(pid, cmd);
        await sleep(50);
      }
    })();
    const started = Date.now();
    const result = await backupDrill().finally(() => (watching = false));
    await watch;

    assert.equal(result.verdict, 'FAIL');
    assert.equal(result.failure?.phase, 'export');
    assert.equal(result.failure?.type, 'ConvexCliTimedOut');
    assert.match(result.failure?.message ?? '', /convex export against http:\/\/127\.0\.0\.1:\d+ was still running after 3 s \(environments\.sandbox\.backup\.cliTimeoutSeconds\) and was killed/);
    // Not retried for another attempt of the same length: one bounded attempt, then the drill ends.
    assert.ok(Date.now() - started < 120_000, `the drill took ${Date.now() - started} ms`);
    assert.ok(seen.size > 0, 'the convex CLI never ran');
    for (const [pid, cmd] of seen) assert.equal(alive(pid), false, `still running after the timeout: ${pid} ${cmd}`);
    assert.deepEqual(traffic(), before, 'a backup drill never touches traffic');
  });

  it('a snapshot line longer than backup.maxDocumentLineBytes is refused with a clear error and memory stays flat', async () => {
    backup.maxDocumentLineBytes = 1 << 20;
    // 256 MiB of one document line compresses to a few hundred KiB: the download is small, the line is not.
    stack.sandbox.faults.inject('convex-export', { mode: 'huge-line', bytes: 256 << 20 });
    const baseline = process.memoryUsage.rss();
    const sampler = rssSampler();
    const result = await backupDrill().finally(() => sampler.stop());
    const grewMiB = (sampler.stop() - baseline) / (1 << 20);

    assert.equal(result.verdict, 'FAIL');
    assert.equal(result.failure?.phase, 'verify');
    assert.equal(result.failure?.type, 'SnapshotInvalid');
    assert.match(result.failure?.message ?? '', /line \d+: a document line longer than the maximum of 1048576 bytes \(backup\.maxDocumentLineBytes\)/);
    assert.match(result.failure?.message ?? '', /Do not restore from it/);
    assert.equal(result.addedDocuments ?? 0, 0, 'nothing was imported');
    // Holding the line would take 256 MiB at least (twice that to join its pieces).
    assert.ok(grewMiB < 128, `RSS grew by ${grewMiB.toFixed(0)} MiB while verifying`);
  });
});
