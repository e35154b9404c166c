import type { Config } from '../../domain/config/schema';
import { defaultConvexCliPath, type SpawnProcess } from './convex-cli';
import { exportSnapshot } from './export-snapshot';
import { importSnapshot } from './import-snapshot';
import { pruneSnapshots } from './prune-snapshots';
import { snapshotFolder, snapshotPath, snapshotRetention } from './snapshot-folder';
import type { ExportSnapshotRequest, ImportSnapshotRequest, PruneSnapshotsRequest, VerifySnapshotRequest } from './types';
import { verifySnapshot } from './verify-snapshot';

export interface BackupDeps {
  /** The pinned `convex` CLI entry (default: this installation's node_modules/convex/bin/main.js). */
  convexCliPath?: string;
  /** Tests wrap process creation to inspect every argv and environment. */
  spawnProcess?: SpawnProcess;
  /** The worker's data folder: snapshot folders are relative to it (default: the process's working directory). */
  dataDir?: string;
  /** The worker's config: each environment's backup.snapshotDir and keepSnapshots. */
  config?: Config;
}

/** The backup/restore drill's activities: the real `convex` CLI and snapshot files behind small functions. */
export function createBackupActivities(deps: BackupDeps = {}) {
  const cliPath = deps.convexCliPath ?? defaultConvexCliPath();
  // Snapshots belong to the worker: a request names files, the worker decides the folder.
  const home = { dataDir: deps.dataDir ?? process.cwd(), config: deps.config };
  return {
    exportSnapshot: (req: ExportSnapshotRequest) => exportSnapshot({ ...req, zipPath: snapshotPath(home, req, req.zipPath) }, cliPath, deps.spawnProcess),
    importSnapshot: (req: ImportSnapshotRequest) => importSnapshot({ ...req, zipPath: snapshotPath(home, req, req.zipPath) }, cliPath, deps.spawnProcess),
    verifySnapshot: (req: VerifySnapshotRequest) => verifySnapshot({ ...req, zipPath: snapshotPath(home, req, req.zipPath), manifestPath: snapshotPath(home, req, req.manifestPath) }),
    pruneSnapshots: (req: PruneSnapshotsRequest) =>
      pruneSnapshots({ ...req, dir: req.dir ?? snapshotFolder(home, req.environment), keep: req.dir === undefined ? snapshotRetention(home, req.environment, req.keep) : req.keep }),
  };
}

export type BackupActivities = ReturnType<typeof createBackupActivities>;
