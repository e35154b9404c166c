import type { BackupConfig } from '../domain/config/schema';
import type { ManifestComparison } from '../domain/snapshot/compare-manifests';
import type { RestoreAuthorization, RestoreMode } from '../domain/snapshot/restore-guard';
import type { Verdict } from './health';

export const BACKUP_RESTORE_WORKFLOW = 'backupRestoreDrill';

/** Stable failure types of the backup activities and the drill's own checks (retry policies and the CLI tell them apart). */
export const BackupFailureType = {
  adminKeyRejected: 'ConvexAdminKeyRejected',
  unreachable: 'ConvexUnreachable',
  exportInProgress: 'ConvexExportInProgress',
  exportFailed: 'ConvexExportFailed',
  importFailed: 'ConvexImportFailed',
  noResult: 'ConvexCliNoResult',
  cliFailed: 'ConvexCliFailed',
  cliTimedOut: 'ConvexCliTimedOut',
  snapshotInvalid: 'SnapshotInvalid',
  snapshotExists: 'SnapshotExists',
  snapshotMissing: 'SnapshotMissing',
  secretUnavailable: 'SecretUnavailable',
  importCountMismatch: 'ImportCountMismatch',
  restoreMismatch: 'RestoreMismatch',
  restoreRefused: 'RestoreRefused',
} as const;

/** Failures retrying cannot fix: a wrong key, a failed import, a broken snapshot. */
export const NON_RETRYABLE_BACKUP_FAILURES: string[] = [
  BackupFailureType.adminKeyRejected,
  BackupFailureType.importFailed,
  BackupFailureType.noResult,
  BackupFailureType.snapshotInvalid,
  BackupFailureType.snapshotExists,
  BackupFailureType.snapshotMissing,
  BackupFailureType.secretUnavailable,
];

export type { RestoreAuthorization, RestoreMode };

/** What a caller asks for; the worker resolves URLs, secret references and the snapshot folder from its own config. */
export interface BackupRestoreRequest {
  environment: string;
  /** Overrides `backup.restoreMode` of the config. */
  restoreMode?: RestoreMode;
  authorization: RestoreAuthorization;
}

export interface BackupRestoreInput {
  environment: string;
  production: boolean;
  /**
   * The environment's backup section as the worker resolved it from its own config (snapshotDir
   * under its data folder). Secret references only. Since worker-owned snapshots the workflow
   * sends activities file names only, and the worker places them itself.
   */
  backup: BackupConfig;
  /** From config (`backup.restoreMode`) unless the CLI overrides it. */
  restoreMode: RestoreMode;
  authorization: RestoreAuthorization;
  /** The environment's production approvers (productionGuard.approvers). */
  approvers: string[];
}

export type BackupPhase = 'export' | 'verify' | 'restore' | 'verify-restore' | 'retention';

export interface PhaseTiming {
  phase: BackupPhase;
  /** Workflow time, sub-second. */
  seconds: number;
  ok: boolean;
}

export interface BackupTableResult {
  name: string;
  /** Documents in the snapshot. */
  documents: number;
  /** Documents the restore wrote (import checkpoint) or found (export after the restore); null when unknown. */
  restoredDocuments: number | null;
  /** null when the mode cannot tell (append without checkpoint lines). */
  match: boolean | null;
}

export interface BackupRestoreFailure {
  phase: BackupPhase;
  /** The activity's stable failure type (e.g. ConvexAdminKeyRejected, SnapshotInvalid) or a drill check. */
  type: string;
  message: string;
}

export interface BackupRestoreResult {
  workflowId: string;
  environment: string;
  verdict: Verdict;
  restoreMode: RestoreMode;
  sourceUrl: string;
  /** Where the restore went (the scratch deployment, or the source itself). */
  targetUrl: string;
  /** The verified snapshot ZIP; null when the export failed. */
  snapshot: string | null;
  manifest: string | null;
  snapshotBytes: number | null;
  snapshotSha256: string | null;
  tables: BackupTableResult[];
  totalDocuments: number | null;
  /** The CLI's "Added N documents" for the restore; null when the restore did not run. */
  addedDocuments: number | null;
  /** True when a non-empty snapshot was restored and proved equal; an empty one only proves the path works. */
  dataProven: boolean;
  /** Export of the restore target compared with the snapshot (scratch, replace, replace-all). */
  comparison: ManifestComparison | null;
  /** True when the import was picked up again after its worker died. */
  restoreResumed: boolean;
  phases: PhaseTiming[];
  phaseSeconds: Partial<Record<BackupPhase, number>>;
  totalSeconds: number;
  failure: BackupRestoreFailure | null;
  warnings: string[];
  prunedSnapshots: string[];
  startedAt: string;
}

export function backupRestoreWorkflowId(environment: string, startedAt: Date): string {
  return `backup-restore-${environment}-${startedAt.toISOString().replace(/[:.]/g, '').toLowerCase()}`;
}
