import type { Command } from 'commander';
import type { RestoreMode } from '../../domain/snapshot/restore-guard';
import type { BackupRestoreRequest, BackupRestoreResult } from '../../contracts/backup-restore';
import type { GlobalOptions } from '../context';
import { CliError, ExitCode } from '../errors';
import { actingIdentity } from '../identity';
import { seconds, table, verdictText } from '../output';
import { DETACH_HELP, runDrill, type RunFlags } from '../run-drill';

const RESTORE_MODES: RestoreMode[] = ['scratch', 'append', 'replace', 'replace-all'];

export interface BackupRestoreOptions extends RunFlags {
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

/** The drill's request: restore mode and who asks; the worker resolves the rest from its config. */
export function backupRestoreRequest(environment: string, opts: BackupRestoreOptions = {}): BackupRestoreRequest {
  if (opts.mode !== undefined && !RESTORE_MODES.includes(opts.mode as RestoreMode)) {
    throw new CliError(`unknown restore mode "${opts.mode}"`, ExitCode.usage, `use one of: ${RESTORE_MODES.join(', ')}`);
  }
  return {
    environment,
    ...(opts.mode ? { restoreMode: opts.mode as RestoreMode } : {}),
    authorization: { destructive: !!opts.destructive, confirmed: !!opts.confirm, ticket: opts.ticket, reason: opts.reason, requestedBy: actingIdentity(opts.as) },
  };
}

export async function runBackupRestoreDrill(g: GlobalOptions & RunFlags, opts: BackupRestoreOptions = {}): Promise<number> {
  return runDrill<BackupRestoreResult>(g, (client, caller) => client.startBackupRestore(backupRestoreRequest(caller.environment, opts)), renderBackupRestore);
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
    .option('--detach', DETACH_HELP)
    .action(async (opts: BackupRestoreOptions) => {
      process.exitCode = await runBackupRestoreDrill({ ...global(), detach: opts.detach }, opts);
    });
}
