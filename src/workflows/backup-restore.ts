import { ActivityFailure, ApplicationFailure, TimeoutFailure, patched, proxyActivities, setCurrentDetails, upsertSearchAttributes, workflowInfo, type ActivityOptions, type RetryPolicy } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { fromWorkerConfig, settings } from './worker-settings';
import { decidePatchesUpFront } from './plumbing/patches-up-front';
import { failRun } from './plumbing/failure-result';
import { failureSummary, FAILURES_ARE_RESULTS_PATCH, restorationSentence, RUN_FAILED, type RunChange } from '../contracts/run-conclusion';
import type { DeploymentRef, ImportSnapshotResult } from '../activities/backup/types';
import { compareManifests, type ManifestComparison } from '../domain/snapshot/compare-manifests';
import type { SnapshotSummary } from '../domain/snapshot/manifest';
import { cliImportMode, backupDrillGuardProblems, writesToSource } from '../domain/snapshot/restore-guard';
import { manifestName, restoredManifestName, restoredZipName, snapshotBaseName, snapshotZipName } from '../domain/snapshot/snapshot-files';
import {
  BackupFailureType,
  NON_RETRYABLE_BACKUP_FAILURES,
  type BackupPhase,
  type BackupRestoreFailure,
  type BackupRestoreRequest,
  type BackupRestoreInput,
  type BackupRestoreResult,
  type BackupTableResult,
  type PhaseTiming,
} from '../contracts/backup-restore';
import { DrillEnvironment, DrillKind, DrillOutcome, DrillStep } from '../temporal/search-attributes';

/** Snapshot paths are file names the worker places in its own snapshot folder; before it, absolute paths made by the CLI. */
export const WORKER_SNAPSHOTS_PATCH = 'worker-snapshots';

/** A failed phase: what the result reports and the Web UI shows. */
class PhaseFailed extends Error {
  constructor(readonly failure: BackupRestoreFailure) {
    super(failure.message);
  }
}

function activityFailure(phase: BackupPhase, err: ActivityFailure): BackupRestoreFailure {
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) return { phase, type: cause.type ?? 'ApplicationFailure', message: cause.message };
  if (cause instanceof TimeoutFailure) return { phase, type: 'ActivityTimeout', message: `${phase} timed out (${cause.timeoutType}): ${err.message}` };
  return { phase, type: cause?.name ?? 'ActivityFailure', message: cause?.message ?? err.message };
}

const joinPath = (dir: string, name: string): string => `${dir.replace(/\/+$/, '')}/${name}`;

/**
 * The backup/restore drill:
 * export a snapshot with the real `convex` CLI, verify it, restore it (into a scratch deployment
 * for a true restore test, or appended/replaced in the source when configured and confirmed),
 * prove the restore (export of the target compared with the snapshot's manifest), prune old
 * snapshots, and time every phase on workflow time.
 */
export async function backupRestoreDrill(request: BackupRestoreRequest): Promise<BackupRestoreResult> {
  decidePatchesUpFront([WORKER_SNAPSHOTS_PATCH]);
  const input = await fromWorkerConfig<BackupRestoreInput>(request, () => settings.resolveBackupRestoreDrill(request));
  const startedAt = Date.now();
  const { backup, restoreMode } = input;
  upsertSearchAttributes([
    { key: DrillKind, value: 'backup-restore' },
    { key: DrillEnvironment, value: input.environment },
  ]);

  const refusals = backupDrillGuardProblems(input);
  if (refusals.length) {
    upsertSearchAttributes([{ key: DrillOutcome, value: 'REFUSED' }]);
    throw ApplicationFailure.nonRetryable(`backup/restore drill refused, nothing was exported or changed: ${refusals.join('; ')}`, BackupFailureType.restoreRefused);
  }

  const heartbeatTimeout = backup.heartbeatTimeoutSeconds * 1000;
  const retry: RetryPolicy = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE_BACKUP_FAILURES };
  const cliOptions: ActivityOptions = { startToCloseTimeout: '6 hours', heartbeatTimeout, retry: { ...retry, maximumAttempts: 5 } };
  const verifyOptions: ActivityOptions = { startToCloseTimeout: '2 hours', heartbeatTimeout, retry: { ...retry, maximumAttempts: 3 } };
  const { exportSnapshot, importSnapshot, verifySnapshot } = proxyActivities<Activities>(cliOptions);
  const { pruneSnapshots } = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', retry: { maximumAttempts: 3 } });

  const source: DeploymentRef = backup.source;
  const target: DeploymentRef = restoreMode === 'scratch' ? backup.scratch! : backup.source;
  const base = snapshotBaseName(input.environment, new Date(startedAt));
  // Snapshots belong to the worker: requests name files, the worker's config decides the folder and retention.
  const workerOwned = patched(WORKER_SNAPSHOTS_PATCH);
  const dir = workerOwned ? '' : backup.snapshotDir!;
  const place = (name: string): string => (workerOwned ? name : joinPath(dir, name));
  const at = workerOwned ? { environment: input.environment } : {};
  const zipPath = place(snapshotZipName(base));

  // Only set when configured, so drills recorded before file storage keep their activity inputs.
  const withStorage = backup.includeFileStorage ? { includeFileStorage: true } : {};
  const phases: PhaseTiming[] = [];
  const warnings: string[] = [];
  let snapshot: SnapshotSummary | undefined;
  let imported: ImportSnapshotResult | undefined;
  let comparison: ManifestComparison | null = null;
  let failure: BackupRestoreFailure | null = null;

  const phase = async <T>(name: BackupPhase, details: string, run: () => Promise<T>): Promise<T> => {
    upsertSearchAttributes([{ key: DrillStep, value: name }]);
    setCurrentDetails(`**${name}**: ${details}\n\nDone: ${phases.map((p) => `${p.phase} ${p.seconds.toFixed(1)} s`).join(', ') || 'nothing yet'}`);
    const t0 = Date.now();
    try {
      const out = await run();
      phases.push({ phase: name, seconds: (Date.now() - t0) / 1000, ok: true });
      return out;
    } catch (err) {
      phases.push({ phase: name, seconds: (Date.now() - t0) / 1000, ok: false });
      if (err instanceof ActivityFailure) throw new PhaseFailed(activityFailure(name, err));
      throw err;
    }
  };

  try {
    await phase('export', `convex export from ${source.url}`, () =>
      exportSnapshot.executeWithOptions({ ...cliOptions, summary: `convex export from ${source.url}` }, [{ deployment: source, zipPath, ...withStorage, ...at }]),
    );
    snapshot = await phase('verify', `verifying ${zipPath}`, () =>
      verifySnapshot.executeWithOptions({ ...verifyOptions, summary: `verify ${snapshotZipName(base)}` }, [{ zipPath, manifestPath: place(manifestName(base)), ...at }]),
    );
    const snap = snapshot;
    warnings.push(...snap.warnings);
    const cliMode = cliImportMode(restoreMode);
    imported = await phase('restore', `convex import --${cliMode === 'replaceAll' ? 'replace-all' : cliMode} into ${target.url}`, () =>
      importSnapshot.executeWithOptions({ ...cliOptions, summary: `convex import (${restoreMode}) into ${target.url}` }, [{ deployment: target, zipPath, mode: cliMode, ...at, ...(restoreMode === 'scratch' && backup.scratch?.instanceName ? { expectInstanceName: backup.scratch.instanceName } : {}) }]),
    );
    const added = imported.addedDocuments;
    // An import counts restored files as rows of `_storage`, besides the documents.
    if (added !== snap.totalDocuments && added !== snap.totalDocuments + (snap.storage?.files ?? 0)) {
      throw new PhaseFailed({
        phase: 'restore',
        type: BackupFailureType.importCountMismatch,
        message: `convex import into ${target.url} reported "Added ${added} documents" but the snapshot holds ${snap.totalDocuments}${snap.storage ? ` (and ${snap.storage.files} stored files)` : ''}: the deployment did not restore every document`,
      });
    }
    if (restoreMode !== 'append') {
      comparison = await phase('verify-restore', `exporting ${target.url} to compare it with the snapshot`, async () => {
        const backZip = place(restoredZipName(base));
        await exportSnapshot.executeWithOptions({ ...cliOptions, summary: `convex export from ${target.url} (restore check)` }, [{ deployment: target, zipPath: backZip, ...withStorage, ...at }]);
        const restored = await verifySnapshot.executeWithOptions({ ...verifyOptions, summary: `verify the export of ${target.url}` }, [
          { zipPath: backZip, manifestPath: place(restoredManifestName(base)), discardZip: true, ...at },
        ]);
        return compareManifests(snap, restored, restoreMode === 'replace' ? 'snapshot-tables' : 'all');
      });
      if (!comparison.equal) {
        throw new PhaseFailed({ phase: 'verify-restore', type: BackupFailureType.restoreMismatch, message: `${target.url} does not hold the snapshot's data after the restore: ${comparison.mismatches.join('; ')}` });
      }
      warnings.push(...comparison.notes);
    }
  } catch (err) {
    if (!(err instanceof PhaseFailed)) throw err;
    failure = err.failure;
  }

  let prunedSnapshots: string[] = [];
  if (snapshot || phases.some((p) => p.phase === 'export' && p.ok)) {
    try {
      prunedSnapshots = (
        await phase('retention', workerOwned ? "keeping the newest snapshots the worker's config says" : `keeping the newest ${backup.keepSnapshots} snapshots in ${dir}`, () =>
          pruneSnapshots.executeWithOptions({ startToCloseTimeout: '2 minutes', retry: { maximumAttempts: 3 }, summary: workerOwned ? 'retention' : `keep ${backup.keepSnapshots} snapshots` }, [
            workerOwned ? { environment: input.environment } : { dir, environment: input.environment, keep: backup.keepSnapshots },
          ]),
        )
      ).removed;
    } catch (err) {
      if (!(err instanceof PhaseFailed)) throw err;
      warnings.push(`retention did not run: ${err.failure.message}`);
    }
  }

  const verdict = failure ? 'FAIL' : 'PASS';
  const total = snapshot?.totalDocuments ?? null;
  if (verdict === 'PASS' && total === 0) warnings.push('the snapshot holds no documents: the backup/restore path works, but no data was proven restorable (seed canary documents)');
  if (imported && restoreMode === 'append' && imported.addedDocuments > 0) {
    warnings.push(`append added ${imported.addedDocuments} documents to the live tables of ${target.url}: each restored document now exists there twice`);
  }
  if (imported && writesToSource(restoreMode) && input.production) warnings.push(`restore mode ${restoreMode} wrote into production (ticket ${input.authorization.ticket}, by ${input.authorization.requestedBy})`);

  const restoredByTable = new Map<string, number>();
  for (const t of comparison?.tables ?? []) if (t.restoredDocuments !== null) restoredByTable.set(t.name, t.restoredDocuments);
  if (!comparison) for (const [name, n] of Object.entries(imported?.tables ?? {})) restoredByTable.set(name, n);
  const tables: BackupTableResult[] = (snapshot?.tables ?? []).map((t) => {
    const restored = restoredByTable.get(t.name);
    const fromComparison = comparison?.tables.find((c) => c.name === t.name);
    return {
      name: t.name,
      documents: t.documents,
      restoredDocuments: restored ?? null,
      match: fromComparison ? fromComparison.equal : restored === undefined ? null : restored === t.documents,
    };
  });
  const tableMismatch = tables.some((t) => t.match === false);
  if (!failure && tableMismatch) {
    failure = { phase: 'restore', type: BackupFailureType.importCountMismatch, message: `per-table counts differ after the restore: ${tables.filter((t) => t.match === false).map((t) => `${t.name} ${t.documents} -> ${t.restoredDocuments}`).join(', ')}` };
  }
  const finalVerdict = failure ? 'FAIL' : verdict;

  const phaseSeconds: Partial<Record<BackupPhase, number>> = {};
  for (const p of phases) phaseSeconds[p.phase] = (phaseSeconds[p.phase] ?? 0) + p.seconds;
  const result: BackupRestoreResult = {
    workflowId: workflowInfo().workflowId,
    environment: input.environment,
    verdict: finalVerdict,
    restoreMode,
    sourceUrl: source.url,
    targetUrl: target.url,
    snapshot: snapshot ? snapshot.zipPath : null,
    manifest: snapshot?.manifestPath ?? null,
    snapshotBytes: snapshot?.zipBytes ?? null,
    snapshotSha256: snapshot?.zipSha256 ?? null,
    tables,
    totalDocuments: total,
    addedDocuments: imported?.addedDocuments ?? null,
    dataProven: finalVerdict === 'PASS' && (total ?? 0) > 0 && (comparison?.equal ?? restoreMode === 'append'),
    comparison,
    restoreResumed: imported?.resumed ?? false,
    phases,
    phaseSeconds,
    totalSeconds: (Date.now() - startedAt) / 1000,
    failure,
    warnings,
    prunedSnapshots,
    startedAt: new Date(startedAt).toISOString(),
  };
  const changes: RunChange[] = [];
  if (phases.some((p) => p.phase === 'export' && p.ok)) changes.push({ what: `snapshot ${snapshotZipName(base)} in the worker's snapshot folder`, undone: 'kept', ...(prunedSnapshots.length ? { detail: `${prunedSnapshots.length} older pruned` } : {}) });
  if (phases.some((p) => p.phase === 'restore')) {
    const what = `convex import (${restoreMode}) into ${target.url}`;
    changes.push(imported ? { what, undone: 'kept', detail: `${imported.addedDocuments} documents added` } : { what, undone: 'kept', detail: 'the import failed; what it wrote before failing is not verified' });
  }
  const causes = failure ? [{ type: failure.type, message: `${failure.phase}: ${failure.message}` }] : [];
  result.conclusion = {
    summary:
      finalVerdict === 'PASS'
        ? `Backup/restore drill passed: ${total} documents restored (${restoreMode}). ${restorationSentence(changes)}`
        : failureSummary('Backup/restore drill', causes, restorationSentence(changes)),
    ...(failure ? { failedAt: failure.phase } : {}),
    causes,
    changes,
    restored: true,
  };
  upsertSearchAttributes([
    { key: DrillOutcome, value: finalVerdict },
    { key: DrillStep, value: 'done' },
  ]);
  setCurrentDetails(
    finalVerdict === 'PASS'
      ? `Backup/restore drill **PASS**: ${total} documents in ${tables.length} tables, restored (${restoreMode}) into ${target.url}${result.dataProven ? ' and proved equal' : ''} in ${result.totalSeconds.toFixed(1)} s`
      : `Backup/restore drill **FAIL** in ${failure!.phase}: ${failure!.message}`,
  );
  if (finalVerdict === 'FAIL' && patched(FAILURES_ARE_RESULTS_PATCH)) return failRun(RUN_FAILED.backupRestore, result);
  return result;
}
