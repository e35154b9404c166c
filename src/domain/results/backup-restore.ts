// What a drill returns: plain data, shared by the workflows, the report renderers and the CLI.
import type { ManifestComparison } from '../snapshot/compare-manifests';
import type { RestoreMode } from '../snapshot/restore-guard';
import type { Verdict } from './health';
import type { RunConclusion } from './conclusion';

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
  /** How it ended: on a FAIL the cause, what the drill wrote (snapshot files, the import) and what stays. */
  conclusion?: RunConclusion;
}
