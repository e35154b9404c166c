import type { CliImportMode } from '../../domain/snapshot/restore-guard';
import type { SecretRef } from '../../domain/secret-ref';

/** A deployment as workflows name it: URL and a reference to its admin key (never the key). */
export interface DeploymentRef {
  url: string;
  adminKey: SecretRef;
}

/** With `environment`, snapshot paths are file names in that environment's snapshot folder on the worker (snapshot-folder.ts). */
export interface SnapshotPlace {
  environment?: string;
}

/** Set by the worker from its config (backup.cliTimeoutSeconds), never by the workflow. */
export interface CliBound {
  cliTimeoutMs?: number;
}

export interface ExportSnapshotRequest extends SnapshotPlace, CliBound {
  deployment: DeploymentRef;
  /** Where the snapshot ZIP goes; must not exist yet. */
  zipPath: string;
  /** `--include-file-storage`: the ZIP holds `_storage/` with every stored file. */
  includeFileStorage?: boolean;
}

export interface ExportSnapshotResult {
  zipPath: string;
  zipBytes: number;
  /** The export's Convex timestamp (ns), as the CLI printed it. */
  snapshotTs?: string;
}

export interface ImportSnapshotRequest extends SnapshotPlace, CliBound {
  deployment: DeploymentRef;
  zipPath: string;
  mode: CliImportMode;
  /** A scratch restore: the identity the target's backend must report (`GET /instance_name`) before anything is imported. */
  expectInstanceName?: string;
}

export interface ImportSnapshotResult {
  /** From the CLI's "Added N documents" line, or the deployment's import record when resumed. */
  addedDocuments: number;
  /** Per-table counts from the "Imported" checkpoint lines; may be empty (fast imports print none). */
  tables: Record<string, number>;
  /** True when a retry found the import a killed worker had started and waited for it instead of importing again. */
  resumed: boolean;
}

export interface VerifySnapshotRequest extends SnapshotPlace {
  zipPath: string;
  /** Set by the worker from its config (backup.maxDocumentLineBytes), never by the workflow. */
  maxLineBytes?: number;
  manifestPath: string;
  /** Delete the ZIP once its manifest is written (exports taken only to compare). */
  discardZip?: boolean;
}

export interface PruneSnapshotsRequest {
  /** Absent since worker-owned snapshots: the worker's snapshot folder for the environment. */
  dir?: string;
  environment: string;
  /** Absent since worker-owned snapshots: backup.keepSnapshots of the worker's config. */
  keep?: number;
}

export interface PruneSnapshotsResult {
  removed: string[];
}
