import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { activityInfo, Context } from '@temporalio/activity';
import { parseExportOutput } from '../../domain/snapshot/convex-cli-output';
import { resolveSecret } from '../secrets';
import { BackupFailureType, cliFailure, cliTimedOut } from './cli-failures';
import { runConvexCli, type SpawnProcess } from './convex-cli';
import { ProgressHeartbeat } from './progress-heartbeat';
import type { ExportSnapshotRequest, ExportSnapshotResult } from './types';

export interface ExportProgress {
  step: 'exporting' | 'downloading' | 'done';
  lastLine?: string;
  bytesDownloaded?: number;
}

/**
 * `convex export --path <zip>` from a deployment, as operators run it. The CLI downloads into a
 * hidden partial file that is renamed only after the CLI confirmed the download, so a killed
 * attempt never leaves something that looks like a finished snapshot.
 */
export async function exportSnapshot(req: ExportSnapshotRequest, cliPath: string, spawnProcess?: SpawnProcess): Promise<ExportSnapshotResult> {
  const adminKey = await resolveSecret(req.deployment.adminKey);
  if (fs.existsSync(req.zipPath)) {
    // Only a finished download is renamed to this (timestamped) name: an earlier attempt of this
    // activity got that far before its worker died, so its snapshot is the result.
    if (activityInfo().attempt > 1) return { zipPath: req.zipPath, zipBytes: fs.statSync(req.zipPath).size };
    throw ApplicationFailure.nonRetryable(`snapshot ${req.zipPath} already exists; a drill never overwrites a snapshot`, BackupFailureType.snapshotExists);
  }
  // Snapshots hold the deployment's data: the folder is private to the worker's user.
  fs.mkdirSync(path.dirname(req.zipPath), { recursive: true, mode: 0o700 });
  // Per attempt: the CLI of an attempt whose worker was killed may still be downloading its own.
  const partial = path.join(path.dirname(req.zipPath), `.${path.basename(req.zipPath, '.zip')}.attempt-${activityInfo().attempt}.partial.zip`);
  fs.rmSync(partial, { force: true });
  const progress: ExportProgress = { step: 'exporting' };
  const beat = new ProgressHeartbeat<ExportProgress>(progress);
  const sizer = setInterval(() => {
    if (progress.step !== 'downloading') return;
    try {
      progress.bytesDownloaded = fs.statSync(partial).size;
      beat.update({ ...progress });
    } catch {
      // not created yet
    }
  }, 1000);
  try {
    const run = await runConvexCli({
      cliPath,
      deployment: { url: req.deployment.url, adminKey },
      args: ['export', '--path', partial, ...(req.includeFileStorage ? ['--include-file-storage'] : [])],
      signal: Context.current().cancellationSignal,
      timeoutMs: req.cliTimeoutMs,
      spawnProcess,
      onLine(line) {
        if (/Downloading snapshot export/.test(line)) progress.step = 'downloading';
        progress.lastLine = line;
        beat.update({ ...progress });
      },
    });
    if (run.timedOut) throw cliTimedOut({ command: 'export', deploymentUrl: req.deployment.url, adminKeyRef: req.deployment.adminKey }, req.cliTimeoutMs!, req.environment);
    const outcome = parseExportOutput(run.output, run.exitCode);
    if (outcome.failure) throw cliFailure(outcome.failure, { command: 'export', deploymentUrl: req.deployment.url, adminKeyRef: req.deployment.adminKey });
    if (!fs.existsSync(partial)) {
      throw ApplicationFailure.retryable(`convex export against ${req.deployment.url} said it downloaded the snapshot, but ${partial} does not exist`, BackupFailureType.cliFailed);
    }
    fs.renameSync(partial, req.zipPath);
    fs.chmodSync(req.zipPath, 0o600);
    return { zipPath: req.zipPath, zipBytes: fs.statSync(req.zipPath).size, snapshotTs: outcome.snapshotTs };
  } finally {
    clearInterval(sizer);
    beat.stop();
    fs.rmSync(partial, { force: true });
  }
}
