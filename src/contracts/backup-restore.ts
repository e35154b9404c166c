import type { BackupConfig } from '../domain/config/schema';
import type { RestoreAuthorization, RestoreMode } from '../domain/snapshot/restore-guard';
export type { BackupPhase, PhaseTiming, BackupTableResult, BackupRestoreFailure, BackupRestoreResult } from '../domain/results/backup-restore';

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

export function backupRestoreWorkflowId(environment: string, startedAt: Date): string {
  return `backup-restore-${environment}-${startedAt.toISOString().replace(/[:.]/g, '').toLowerCase()}`;
}
