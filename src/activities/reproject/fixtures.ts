import { ApplicationFailure } from '@temporalio/common';
import type { CleanedFixtures, ReplayFixtureRequest, SeededFixtures } from '../../contracts/replay';
import { activityHooks } from './activity-context';
import { commandFromTemplate } from './command-template';
import type { ReprojectDeps } from './deps';
import { assertCommandRan, outputTail, ReplayFailureType } from './failures';

/** The last `NAME=value` line, as the operators' replay script read it (`awk -F= '/^RUN_ID=/' | tail -n 1`). */
function printedId(stdout: string, name: string): string | undefined {
  const values = stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith(`${name}=`)).map((l) => l.slice(name.length + 1));
  return values[values.length - 1];
}

/**
 * Seeds the drill's fixtures with the ids the workflow chose. The command may print
 * `RUN_ID=`/`WORKER_ID=` like the runtime's seed step; if it does, they must be the ids asked for.
 * Retried on failure: seeding the same ids twice must be harmless (the stand-in's is).
 */
export async function seedReplayFixtures(deps: ReprojectDeps, req: ReplayFixtureRequest): Promise<SeededFixtures> {
  const argv = commandFromTemplate('replay.seedFixtures', req.replay.seedFixtures, { runId: req.runId, workerId: req.workerId });
  const timeoutMs = req.replay.commandTimeoutSeconds * 1000;
  const result = await deps.runCommand({ argv, cwd: req.replay.cwd, env: req.replay.env, timeoutMs, ...activityHooks() });
  assertCommandRan('seeding replay fixtures', argv, req.replay.cwd, result, timeoutMs);
  if (result.exitCode !== 0) {
    throw ApplicationFailure.create({
      type: ReplayFailureType.fixtureSeedFailed,
      message: `seeding fixtures ${req.runId} / ${req.workerId} failed: the command exited with ${result.exitCode ?? `signal ${result.signal}`}; output: ${outputTail(result) || '(none)'}`,
    });
  }
  for (const [name, wanted] of [['RUN_ID', req.runId], ['WORKER_ID', req.workerId]] as const) {
    const printed = printedId(result.stdout, name);
    if (printed !== undefined && printed !== wanted) {
      throw ApplicationFailure.create({
        type: ReplayFailureType.fixtureSeedFailed,
        nonRetryable: true,
        message: `the seed command printed ${name}=${printed} but the drill asked for ${wanted}; make replay.seedFixtures pass {runId} and {workerId} to the runtime`,
      });
    }
  }
  return { runId: req.runId, workerId: req.workerId, commandDurationMs: result.durationMs };
}

/** Removes the fixtures (history, checkpoints, projections); retried, as a leftover fixture is litter in production. */
export async function cleanupReplayFixtures(deps: ReprojectDeps, req: ReplayFixtureRequest): Promise<CleanedFixtures> {
  const argv = commandFromTemplate('replay.cleanupFixtures', req.replay.cleanupFixtures, { runId: req.runId, workerId: req.workerId });
  const timeoutMs = req.replay.commandTimeoutSeconds * 1000;
  const result = await deps.runCommand({ argv, cwd: req.replay.cwd, env: req.replay.env, timeoutMs, ...activityHooks() });
  assertCommandRan('cleaning up replay fixtures', argv, req.replay.cwd, result, timeoutMs);
  if (result.exitCode !== 0) {
    throw ApplicationFailure.create({
      type: ReplayFailureType.fixtureCleanupFailed,
      message: `cleaning up fixtures ${req.runId} / ${req.workerId} failed: the command exited with ${result.exitCode ?? `signal ${result.signal}`}; output: ${outputTail(result) || '(none)'}`,
    });
  }
  return { lines: result.stdout.split('\n').map((l) => l.trim()).filter(Boolean), commandDurationMs: result.durationMs };
}
