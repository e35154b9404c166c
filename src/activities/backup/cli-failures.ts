import { ApplicationFailure } from '@temporalio/common';
import type { CliFailure } from '../../domain/snapshot/convex-cli-output';
import { BackupFailureType } from '../../contracts/backup-restore';

export { BackupFailureType };

export interface CliContext {
  command: 'export' | 'import';
  deploymentUrl: string;
  /** The secret reference (never the key) so the message says where to fix it. */
  adminKeyRef: string;
}

/** Turns what the CLI printed into one failure with what happened, where, and the next step. */
export function cliFailure(f: CliFailure, ctx: CliContext): ApplicationFailure {
  const where = `convex ${ctx.command} against ${ctx.deploymentUrl}`;
  switch (f.kind) {
    case 'bad-admin-key':
      return ApplicationFailure.nonRetryable(
        `${where} was refused: the admin key from ${ctx.adminKeyRef} is not valid for this deployment (${f.detail}). Put the deployment's current admin key in ${ctx.adminKeyRef} (the first line the key generator prints) and run the drill again`,
        BackupFailureType.adminKeyRejected,
      );
    case 'unreachable':
      return ApplicationFailure.retryable(`${where} could not reach the deployment (${f.detail}); check the URL and that the backend is up`, BackupFailureType.unreachable);
    case 'export-in-progress':
      return ApplicationFailure.retryable(`${where}: ${f.detail}; it will be retried once that export finishes`, BackupFailureType.exportInProgress);
    case 'export-failed':
      return ApplicationFailure.retryable(`${where}: ${f.detail}; check the backend's logs if it keeps failing`, BackupFailureType.exportFailed);
    case 'import-failed':
      return ApplicationFailure.nonRetryable(`${where} failed on the deployment: ${f.detail}`, BackupFailureType.importFailed);
    case 'no-result':
      return ApplicationFailure.nonRetryable(`${where} did not confirm its result: ${f.detail}. The CLI's output format may have changed; this drill is pinned to convex 1.48.0`, BackupFailureType.noResult);
    case 'needs-confirmation':
    case 'path-exists':
    case 'unknown':
      return ApplicationFailure.retryable(`${where} failed: ${f.detail}`, BackupFailureType.cliFailed);
  }
}

/**
 * The CLI ran past backup.cliTimeoutSeconds and its process group was killed. Not retried: a hung
 * export or import hangs again, and an operator should look before another half hour is spent.
 */
export function cliTimedOut(ctx: CliContext, timeoutMs: number, environment?: string): ApplicationFailure {
  const setting = environment ? `environments.${environment}.backup.cliTimeoutSeconds` : 'backup.cliTimeoutSeconds';
  return ApplicationFailure.nonRetryable(
    `convex ${ctx.command} against ${ctx.deploymentUrl} was still running after ${Math.round(timeoutMs / 1000)} s (${setting}) and was killed with every process it started; check the deployment (a stalled snapshot ${ctx.command}?) or raise ${setting} for a larger snapshot`,
    BackupFailureType.cliTimedOut,
  );
}
