import type { Command } from 'commander';
import type { BackupConfig } from '../../domain/config/schema';
import { restoreGuardProblems, type RestoreMode } from '../../domain/snapshot/restore-guard';
import { DrillEnvironment, DrillKind } from '../../temporal/search-attributes';
import { BACKUP_RESTORE_WORKFLOW, backupRestoreWorkflowId, type BackupRestoreInput, type BackupRestoreResult } from '../../shared/backup-restore';
import { loadEnvironment, type GlobalOptions } from '../context';
import { CliError, ExitCode } from '../errors';
import { actingIdentity } from '../identity';
import { seconds, table, verdictText } from '../output';
import { runDrill } from '../run-drill';

const RESTORE_MODES: RestoreMode[] = ['scratch', 'append', 'replace', 'replace-all'];

export interface BackupRestoreOptions {
  mode?: string;
  destructive?: boolean;
  confirm?: boolean;
  ticket?: string;
  reason?: string;
  as?: string;
}

function kib(bytes: number | null): string {
  if (bytes === null) return '?';
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function renderBackupRestore(r: BackupRestoreResult): string {
  const restoreLine = r.addedDocuments === null
    ? `Restore (${r.restoreMode}) into ${r.targetUrl}: not run`
    : `Restore (${r.restoreMode}) into ${r.targetUrl}: Added ${r.addedDocuments} documents${r.restoreResumed ? ' (resumed after a worker restart)' : ''}` +
      (r.comparison ? (r.comparison.equal ? '; the export of the target equals the snapshot' : '; the export of the target DIFFERS from the snapshot') : '');
  const rows = r.tables.map((t) => [t.name, t.documents, t.restoredDocuments ?? '-', t.match === null ? '-' : t.match ? 'yes' : 'NO']);
  return [
    `Backup/restore drill on ${r.environment}: ${verdictText(r.verdict)}${r.verdict === 'PASS' && !r.dataProven ? ' (path works; no data proven)' : ''}`,
    `Snapshot: ${r.snapshot ?? 'none'}${r.snapshot ? ` (${kib(r.snapshotBytes)}, ${r.totalDocuments} documents, sha256 ${r.snapshotSha256?.slice(0, 12)}…)` : ''}`,
    ...(r.manifest ? [`Manifest: ${r.manifest}`] : []),
    restoreLine,
    ...(rows.length ? [table(['table', 'snapshot', 'restored', 'match'], rows)] : []),
    `Phases: ${r.phases.map((p) => `${p.phase} ${seconds(p.seconds * 1000)}${p.ok ? '' : ' (failed)'}`).join(', ')}`,
    `Total: ${seconds(r.totalSeconds * 1000)}`,
    ...(r.failure ? [`Failed in ${r.failure.phase} (${r.failure.type}): ${r.failure.message}`] : []),
    ...(r.comparison && !r.comparison.equal ? r.comparison.mismatches.map((m) => `  - ${m}`) : []),
    ...r.warnings.map((w) => `Warning: ${w}`),
    ...(r.prunedSnapshots.length ? [`Retention removed: ${r.prunedSnapshots.join(', ')}`] : []),
  ].join('\n');
}

/**
 * The drill's input from the config, checked by the same restore guard the workflow applies, so a
 * refused restore is reported before anything starts. No snapshot folder or retention: snapshots
 * belong to the worker, which keeps them by its own config.
 */
function withoutSnapshotPlace(backup: BackupConfig): BackupRestoreInput['backup'] {
  const { snapshotDir: _dir, keepSnapshots: _keep, ...rest } = backup;
  return rest;
}

export function backupRestoreInput(global: GlobalOptions, opts: BackupRestoreOptions = {}): BackupRestoreInput {
  const { name, env, source } = loadEnvironment(global);
  if (!env.backup) {
    throw new CliError(`environment "${name}" in ${source} has no backup section`, ExitCode.usage, 'add backup.source (url, adminKey: env:NAME or file:PATH) and, for a true restore test, backup.scratch');
  }
  if (opts.mode !== undefined && !RESTORE_MODES.includes(opts.mode as RestoreMode)) {
    throw new CliError(`unknown restore mode "${opts.mode}"`, ExitCode.usage, `use one of: ${RESTORE_MODES.join(', ')}`);
  }
  const restoreMode = (opts.mode as RestoreMode | undefined) ?? env.backup.restoreMode;
  const input: BackupRestoreInput = {
    environment: name,
    production: env.production,
    backup: withoutSnapshotPlace(env.backup),
    restoreMode,
    authorization: { destructive: !!opts.destructive, confirmed: !!opts.confirm, ticket: opts.ticket, reason: opts.reason, requestedBy: actingIdentity(opts.as) },
    approvers: env.productionGuard?.approvers ?? [],
  };
  const problems = restoreGuardProblems({
    environment: name,
    production: input.production,
    mode: restoreMode,
    sourceUrl: input.backup.source.url,
    scratchUrl: input.backup.scratch?.url,
    approvers: input.approvers,
    authorization: input.authorization,
  });
  if (problems.length) throw new CliError(`backup/restore drill refused:\n${problems.map((p) => `  - ${p}`).join('\n')}`, ExitCode.usage, 'nothing was exported or changed');
  return input;
}

/** For the readiness gate and schedules: the drill's input, or undefined when the environment has no backup section. */
export function backupRestoreInputIfConfigured(global: GlobalOptions): BackupRestoreInput | undefined {
  return loadEnvironment(global).env.backup ? backupRestoreInput(global) : undefined;
}

export async function runBackupRestoreDrill(g: GlobalOptions, opts: BackupRestoreOptions = {}): Promise<number> {
  const input = backupRestoreInput(g, opts);
  const b = input.backup;
  const target = input.restoreMode === 'scratch' ? b.scratch!.url : b.source.url;
  return runDrill<BackupRestoreInput, BackupRestoreResult>(
    g,
    {
      workflowType: BACKUP_RESTORE_WORKFLOW,
      workflowId: backupRestoreWorkflowId(input.environment, new Date()),
      input,
      staticSummary: `Backup/restore drill on **${input.environment}** (${input.restoreMode})`,
      staticDetails: [
        `Source: ${b.source.url} (admin key ${b.source.adminKey})`,
        `Restore: ${input.restoreMode} into ${target}`,
        "Snapshots: on the worker, in its config's backup.snapshotDir (relative to its data dir), keeping its backup.keepSnapshots newest",
        `Started by: ${input.authorization.requestedBy}${input.authorization.ticket ? `, ticket ${input.authorization.ticket}` : ''}`,
      ].join('\n'),
      searchAttributes: [
        { key: DrillEnvironment, value: input.environment },
        { key: DrillKind, value: 'backup-restore' },
      ],
    },
    renderBackupRestore,
  );
}

export function registerDrillBackupRestore(drill: Command, global: () => GlobalOptions): void {
  drill
    .command('backup-restore')
    .description('export a snapshot with the convex CLI, verify it, restore it (scratch by default) and prove the data matches')
    .option('--mode <mode>', `restore mode: ${RESTORE_MODES.join(', ')} (default: backup.restoreMode in the config)`)
    .option('--destructive', 'allow replace / replace-all, which delete documents in the source deployment')
    .option('--confirm', 'confirm writing into a production deployment (with --ticket and --reason)')
    .option('--ticket <id>', 'change ticket for a production restore')
    .option('--reason <text>', 'why a production restore is run')
    .option('--as <name>', 'who is running it (default: $DRILLCTL_USER or the OS user)')
    .action(async (opts: BackupRestoreOptions) => {
      process.exitCode = await runBackupRestoreDrill(global(), opts);
    });
}
