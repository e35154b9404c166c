import { DEFAULT_CLI_TIMEOUT_SECONDS, DEFAULT_MAX_DOCUMENT_LINE_BYTES, type Config } from '../../domain/config/schema';
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

/** The worker's bounds on a snapshot's CLI runs and lines: its config for the environment, else the defaults. */
function backupBounds(config: Config | undefined, environment: string | undefined): { cliTimeoutMs: number; maxLineBytes: number } {
  const backup = environment === undefined ? undefined : config?.environments[environment]?.backup;
  return { cliTimeoutMs: (backup?.cliTimeoutSeconds ?? DEFAULT_CLI_TIMEOUT_SECONDS) * 1000, maxLineBytes: backup?.maxDocumentLineBytes ?? DEFAULT_MAX_DOCUMENT_LINE_BYTES };
}

/** The backup/restore drill's activities: the real `convex` CLI and snapshot files behind small functions. */
export function createBackupActivities(deps: BackupDeps = {}) {
  const cliPath = deps.convexCliPath ?? defaultConvexCliPath();
  // Snapshots belong to the worker: a request names files, the worker decides the folder.
  const home = { dataDir: deps.dataDir ?? process.cwd(), config: deps.config };
  return {
    exportSnapshot: (req: ExportSnapshotRequest) =>
      exportSnapshot({ ...req, zipPath: snapshotPath(home, req, req.zipPath), cliTimeoutMs: backupBounds(deps.config, req.environment).cliTimeoutMs }, cliPath, deps.spawnProcess),
    importSnapshot: (req: ImportSnapshotRequest) =>
      importSnapshot({ ...req, zipPath: snapshotPath(home, req, req.zipPath), cliTimeoutMs: backupBounds(deps.config, req.environment).cliTimeoutMs }, cliPath, deps.spawnProcess),
    verifySnapshot: (req: VerifySnapshotRequest) =>
      verifySnapshot({ ...req, zipPath: snapshotPath(home, req, req.zipPath), manifestPath: snapshotPath(home, req, req.manifestPath), maxLineBytes: backupBounds(deps.config, req.environment).maxLineBytes }),
    pruneSnapshots: (req: PruneSnapshotsRequest) =>
      pruneSnapshots({ ...req, dir: req.dir ?? snapshotFolder(home, req.environment), keep: req.dir === undefined ? snapshotRetention(home, req.environment, req.keep) : req.keep }),
  };
}

export type BackupActivities = ReturnType<typeof createBackupActivities>;
