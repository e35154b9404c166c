import { ApplicationFailure } from '@temporalio/common';
import type { CommandResult } from './run-command';

/**
 * Failure types of the replay drill's activities. Each names one thing a user can act on; the
 * workflow and the CLI tell them apart by `type`.
 */
export const ReplayFailureType = {
  /** The reproject command ran and its output says (or fails to say) the entity was not projected. */
  reprojectFailed: 'ReprojectFailed',
  /** A configured command could not be started (binary or folder missing, not executable). */
  commandUnavailable: 'ReplayCommandUnavailable',
  /** A configured command ran past commandTimeoutSeconds and was killed. */
  commandTimedOut: 'ReplayCommandTimedOut',
  /** A command template is unusable (unknown placeholder, missing from the config). */
  configIncomplete: 'ReplayConfigIncomplete',
  fixtureSeedFailed: 'FixtureSeedFailed',
  fixtureCleanupFailed: 'FixtureCleanupFailed',
  /** The runtime's history of an entity could not be read or is not valid history JSON. */
  historyReadFailed: 'HistoryReadFailed',
  /** Convex did not answer the projection read (network, 5xx): worth retrying. */
  projectionReadFailed: 'ProjectionReadFailed',
  /** Convex refused the admin key or does not have the projection query: retrying cannot help. */
  projectionReadRefused: 'ProjectionReadRefused',
} as const;

/** The last lines a command printed, for a failure message (never the whole output). */
export function outputTail(result: Pick<CommandResult, 'stdout' | 'stderr'>, lines = 6): string {
  const all = `${result.stdout}\n${result.stderr}`.split('\n').map((l) => l.trim()).filter(Boolean);
  return all.slice(-lines).join(' | ');
}

/** Throws the failure a command that did not run to completion deserves, or returns. */
export function assertCommandRan(what: string, argv: string[], cwd: string | undefined, result: CommandResult, timeoutMs: number): void {
  if (result.spawnError) {
    throw ApplicationFailure.create({
      type: ReplayFailureType.commandUnavailable,
      nonRetryable: true,
      message: `${what}: cannot start \`${argv[0]}\`${cwd ? ` in ${cwd}` : ''} (${result.spawnError}); fix the replay command templates or replay.cwd in the config`,
    });
  }
  if (result.timedOut) {
    throw ApplicationFailure.create({
      type: ReplayFailureType.commandTimedOut,
      nonRetryable: true,
      message: `${what}: \`${argv.join(' ')}\` ran longer than ${Math.round(timeoutMs / 1000)} s and was killed; check the runtime (a slow projection sink?) or raise replay.commandTimeoutSeconds`,
    });
  }
}
