import fs from 'node:fs';
import path from 'node:path';
import { activityInfo, Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { SnapshotManifestSchema, summarizeManifest, type SnapshotSummary } from '../../domain/snapshot/manifest';
import { BackupFailureType } from './cli-failures';
import { ProgressHeartbeat } from './progress-heartbeat';
import { readSnapshotManifest, SnapshotInvalidError, type ReadProgress } from './read-snapshot';
import type { VerifySnapshotRequest } from './types';

/**
 * Verifies a snapshot ZIP and writes its manifest next to it (atomically). A retry after a worker
 * crash resumes from the entries the last heartbeat recorded instead of re-reading them.
 */
export async function verifySnapshot(req: VerifySnapshotRequest): Promise<SnapshotSummary> {
  if (req.discardZip && !fs.existsSync(req.zipPath) && fs.existsSync(req.manifestPath)) {
    // An earlier attempt wrote the manifest and discarded the ZIP, then its worker died.
    return summarizeManifest(SnapshotManifestSchema.parse(JSON.parse(fs.readFileSync(req.manifestPath, 'utf8'))), '', req.manifestPath);
  }
  const earlier = activityInfo().heartbeatDetails as ReadProgress | undefined;
  const beat = new ProgressHeartbeat<Partial<ReadProgress>>(earlier ?? { step: 'hashing' });
  try {
    const manifest = await readSnapshotManifest(req.zipPath, path.basename(req.zipPath), {
      resume: earlier,
      signal: Context.current().cancellationSignal,
      onProgress: (p) => beat.update(p),
      maxLineBytes: req.maxLineBytes,
    });
    const tmp = `${req.manifestPath}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, req.manifestPath);
    if (req.discardZip) fs.rmSync(req.zipPath, { force: true });
    return summarizeManifest(manifest, req.discardZip ? '' : req.zipPath, req.manifestPath);
  } catch (err) {
    if (err instanceof SnapshotInvalidError) throw ApplicationFailure.nonRetryable(err.message, BackupFailureType.snapshotInvalid, { reasons: err.reasons });
    throw err;
  } finally {
    beat.stop();
  }
}
