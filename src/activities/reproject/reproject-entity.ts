import { ApplicationFailure } from '@temporalio/common';
import { parseReprojectLine } from '../../domain/reproject/line';
import { parseReprojectOutput } from '../../domain/reproject/output';
import { evaluateReprojectOutput, type ReprojectFailure } from '../../domain/reproject/outcome';
import type { ReprojectFailureDetails, ReprojectOutcome, ReprojectRequest } from '../../contracts/replay';
import { activityHooks } from './activity-context';
import { commandFromTemplate } from './command-template';
import type { ReprojectDeps } from './deps';
import { assertCommandRan, outputTail, ReplayFailureType } from './failures';

function nextStep(failures: ReprojectFailure[], field: string): string {
  const reasons = failures.filter((f) => f.kind === 'entity-error').map((f) => f.reason ?? '');
  if (reasons.includes('sink_write_failed')) return "the runtime could not write the projection to Convex: check its Convex sink (URL, admin key, Convex health) and run the drill again";
  if (reasons.includes('run_not_found') || reasons.includes('worker_not_found')) return 'the runtime has no history for it: check that replay.seedFixtures and the reproject command use the same runtime database';
  if (reasons.length) return "see the runtime's logs for this entity and run the drill again";
  if (failures.some((f) => f.kind === 'error-line')) return "the runtime logged an error while reprojecting (quoted above): fix what it says and run the drill again";
  if (failures.some((f) => f.kind === 'command-failed')) return `the command itself failed: fix what its output says and check ${field}`;
  return `the command did not report the entity the way the runtime's reproject task does: check that ${field} runs that task`;
}

/**
 * Runs the runtime's reproject command for one entity and decides from its output lines, on
 * stdout and stderr, whether the entity was reprojected: the real task prints `result=error`
 * on stderr and still exits 0, so the exit code alone is never
 * trusted. Not retried on failure: a replay failure is what this drill exists to report.
 */
export async function reprojectEntity(deps: ReprojectDeps, req: ReprojectRequest): Promise<ReprojectOutcome> {
  const field = req.scope === 'run' ? 'replay.reprojectRun' : 'replay.reprojectWorker';
  const argv = commandFromTemplate(field, req.scope === 'run' ? req.replay.reprojectRun : req.replay.reprojectWorker, { id: req.entityId });
  const timeoutMs = req.replay.commandTimeoutSeconds * 1000;
  const startedAtMs = Date.now();
  const result = await deps.runCommand({ argv, cwd: req.replay.cwd, env: req.replay.env, timeoutMs, ...activityHooks() });
  assertCommandRan(`reproject of ${req.scope} ${req.entityId}`, argv, req.replay.cwd, result, timeoutMs);

  const evaluation = evaluateReprojectOutput(parseReprojectOutput(result), { mode: 'single', target: { scope: req.scope, entity: req.entityId } }, result.exitCode);
  const line = evaluation.lines[0];
  if (!evaluation.ok || !line || line.result !== 'ok' || !line.write) {
    const entityError = evaluation.failures.find((f) => f.kind === 'entity-error');
    const details: ReprojectFailureDetails = {
      scope: req.scope,
      entity: req.entityId,
      reason: entityError?.reason ?? evaluation.failures[0]?.kind ?? 'unknown',
      exitCode: result.exitCode,
      ...(line ? { durationMs: line.durationMs } : {}),
      failureKinds: evaluation.failures.map((f) => f.kind),
    };
    const exitNote = result.exitCode === 0 ? ' (the command exited 0)' : '';
    // With an entity error, the runtime's own log lines (not the reproject line) say why.
    const runtimeLog = result.stderr.split('\n').map((l) => l.trim()).filter((l) => l && (parseReprojectLine(l)?.kind ?? 'error-log') === 'error-log').slice(-2).join(' | ');
    const tail = entityError ? (runtimeLog ? `; runtime log: ${runtimeLog}` : '') : `; output: ${outputTail(result) || '(none)'}`;
    throw ApplicationFailure.create({
      type: ReplayFailureType.reprojectFailed,
      nonRetryable: true,
      message: `reproject of ${req.scope} ${req.entityId} failed${exitNote}: ${evaluation.failures.map((f) => f.message).join('; ')}${tail}. Next: ${nextStep(evaluation.failures, field)}`,
      details: [details],
    });
  }
  return {
    scope: req.scope,
    entity: req.entityId,
    result: 'ok',
    write: line.write,
    durationMs: line.durationMs,
    commandDurationMs: result.durationMs,
    exitCode: result.exitCode,
    startedAtMs,
  };
}
