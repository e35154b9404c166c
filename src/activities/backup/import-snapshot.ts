import fs from 'node:fs';
import { activityInfo, Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { parseImportOutput } from '../../domain/snapshot/convex-cli-output';
import { resolveSecret } from '../secrets';
import { BackupFailureType, cliFailure, cliTimedOut } from './cli-failures';
import { runConvexCli, type ResolvedDeployment, type SpawnProcess } from './convex-cli';
import { listImports, sameImportMode, type ImportRecord } from './import-status';
import { ProgressHeartbeat } from './progress-heartbeat';
import type { ImportSnapshotRequest, ImportSnapshotResult } from './types';

export interface ImportProgress {
  /** When this activity first started the CLI (worker clock); a retry looks for imports since then. */
  startedAtMs: number;
  step: 'starting' | 'uploading' | 'confirming' | 'importing' | 'waiting-for-earlier-attempt';
  lastLine?: string;
  importedTables: number;
}

/** Imports from a record's clock may be this much earlier than the worker's. */
const CLOCK_SKEW_MS = 5000;
const POLL_MS = 1000;

function tablesFromCheckpoints(messages: string[]): Record<string, number> {
  const tables: Record<string, number> = {};
  for (const m of messages) {
    const x = /^Imported "([^"]+)" \((\d+) documents?\)$/.exec(m.trim());
    if (x) tables[x[1]!] = Number(x[2]);
  }
  return tables;
}

/**
 * Finds the import an earlier attempt's CLI started (it keeps running on the deployment after its
 * worker died: "Interrupting `npx convex import` will not cancel it") and waits for it, so a
 * retry neither imports the snapshot twice nor fails on the tables the first import filled.
 */
async function resumeEarlierImport(req: ImportSnapshotRequest, deployment: ResolvedDeployment, earlier: ImportProgress): Promise<ImportSnapshotResult | undefined> {
  const signal = Context.current().cancellationSignal;
  const matches = (r: ImportRecord): boolean => r.creationTimeMs >= earlier.startedAtMs - CLOCK_SKEW_MS && sameImportMode(req.mode, r.mode) && ['in_progress', 'completed', 'failed'].includes(r.state);
  const found = (await listImports(deployment, signal)).filter(matches).sort((a, b) => b.creationTimeMs - a.creationTimeMs)[0];
  if (!found) return undefined;
  let record: ImportRecord = found;
  const beat = new ProgressHeartbeat<ImportProgress>({ ...earlier, step: 'waiting-for-earlier-attempt' });
  try {
    while (record.state === 'in_progress') {
      await Context.current().sleep(POLL_MS);
      const id = record.id;
      const again: ImportRecord | undefined = (await listImports(deployment, signal)).find((r) => r.id === id);
      if (!again) throw ApplicationFailure.retryable(`import ${id} on ${req.deployment.url} disappeared while it was being awaited`, BackupFailureType.cliFailed);
      record = again;
      beat.update({ ...earlier, step: 'waiting-for-earlier-attempt', importedTables: record.checkpointMessages.length });
    }
  } finally {
    beat.stop();
  }
  if (record.state === 'failed') {
    throw cliFailure({ kind: 'import-failed', detail: record.errorMessage ?? 'the deployment reported the import as failed' }, { command: 'import', deploymentUrl: req.deployment.url, adminKeyRef: req.deployment.adminKey });
  }
  return { addedDocuments: record.numRowsWritten ?? 0, tables: tablesFromCheckpoints(record.checkpointMessages), resumed: true };
}

/** The backend at `url` must be the deployment the config declares; a mismatch refuses the import, which changed nothing. */
async function checkInstanceName(url: string, expected: string): Promise<void> {
  let reported: string;
  try {
    const res = await fetch(`${url.replace(/\/$/, '')}/instance_name`, { signal: AbortSignal.any([Context.current().cancellationSignal, AbortSignal.timeout(10_000)]) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    reported = (await res.text()).trim();
  } catch (err) {
    throw ApplicationFailure.retryable(`cannot read the identity of ${url} (GET /instance_name): ${(err as Error).message}`, BackupFailureType.unreachable);
  }
  if (reported !== expected) {
    throw ApplicationFailure.nonRetryable(
      `the backend at ${url} reports instance "${reported.slice(0, 128)}", not the scratch deployment "${expected}" the config declares; nothing was imported (a scratch restore replaces all data of its target)`,
      BackupFailureType.restoreRefused,
    );
  }
}

/**
 * `convex import --<mode> -y <zip>` into a deployment, as operators run it, judged by what the CLI
 * printed ("Added N documents", "Imported" lines, failures) rather than its exit code.
 */
export async function importSnapshot(req: ImportSnapshotRequest, cliPath: string, spawnProcess?: SpawnProcess): Promise<ImportSnapshotResult> {
  if (!fs.existsSync(req.zipPath)) throw ApplicationFailure.nonRetryable(`snapshot ${req.zipPath} does not exist, so there is nothing to import; run the drill again to export a new one`, BackupFailureType.snapshotMissing);
  if (req.expectInstanceName) await checkInstanceName(req.deployment.url, req.expectInstanceName);
  const adminKey = await resolveSecret(req.deployment.adminKey);
  const deployment = { url: req.deployment.url, adminKey };
  const earlier = activityInfo().heartbeatDetails as ImportProgress | undefined;
  if (earlier?.startedAtMs) {
    const resumed = await resumeEarlierImport(req, deployment, earlier);
    if (resumed) return resumed;
  }
  const progress: ImportProgress = { startedAtMs: Date.now(), step: 'starting', importedTables: 0 };
  const beat = new ProgressHeartbeat<ImportProgress>(progress);
  try {
    const run = await runConvexCli({
      cliPath,
      deployment,
      args: ['import', `--${req.mode === 'replaceAll' ? 'replace-all' : req.mode}`, '-y', req.zipPath],
      signal: Context.current().cancellationSignal,
      timeoutMs: req.cliTimeoutMs,
      spawnProcess,
      onLine(line) {
        if (/^[-✔]?\s*Importing .+ \(/.test(line) || /^Uploading /.test(line)) progress.step = 'uploading';
        else if (/^Import change summary|^Once the import has started/.test(line)) progress.step = 'confirming';
        else if (/^✔ Imported "/.test(line)) {
          progress.step = 'importing';
          progress.importedTables++;
        } else if (/^-\s*Importing$/.test(line)) progress.step = 'importing';
        progress.lastLine = line;
        beat.update({ ...progress });
      },
    });
    if (run.timedOut) throw cliTimedOut({ command: 'import', deploymentUrl: req.deployment.url, adminKeyRef: req.deployment.adminKey }, req.cliTimeoutMs!, req.environment);
    const outcome = parseImportOutput(run.output, run.exitCode);
    if (outcome.failure) throw cliFailure(outcome.failure, { command: 'import', deploymentUrl: req.deployment.url, adminKeyRef: req.deployment.adminKey });
    return { addedDocuments: outcome.addedDocuments!, tables: outcome.tables, resumed: false };
  } finally {
    beat.stop();
  }
}
