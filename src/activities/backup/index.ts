import { defaultConvexCliPath, type SpawnProcess } from './convex-cli';
import { exportSnapshot } from './export-snapshot';
import { importSnapshot } from './import-snapshot';
import { pruneSnapshots } from './prune-snapshots';
import type { ExportSnapshotRequest, ImportSnapshotRequest } from './types';
import { verifySnapshot } from './verify-snapshot';

export interface BackupDeps {
  /** The pinned `convex` CLI entry (default: this installation's node_modules/convex/bin/main.js). */
  convexCliPath?: string;
  /** Tests wrap process creation to inspect every argv and environment. */
  spawnProcess?: SpawnProcess;
}

/** The backup/restore drill's activities: the real `convex` CLI and snapshot files behind small functions. */
export function createBackupActivities(deps: BackupDeps = {}) {
  const cliPath = deps.convexCliPath ?? defaultConvexCliPath();
  return {
    exportSnapshot: (req: ExportSnapshotRequest) => exportSnapshot(req, cliPath, deps.spawnProcess),
    importSnapshot: (req: ImportSnapshotRequest) => importSnapshot(req, cliPath, deps.spawnProcess),
    verifySnapshot,
    pruneSnapshots,
  };
}

export type BackupActivities = ReturnType<typeof createBackupActivities>;
