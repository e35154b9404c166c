import { ApplicationFailure } from '@temporalio/common';
import type { ReplayConfig } from '../../domain/config/schema';
import { EntityHistorySchema, type EntityHistory } from '../../domain/reproject/history';
import type { ReprojectScope } from '../../domain/reproject/scopes';
import { formatIssues } from '../../domain/config/parse';
import { activityHooks } from './activity-context';
import { commandFromTemplate } from './command-template';
import type { ReprojectDeps } from './deps';
import { assertCommandRan, outputTail, ReplayFailureType } from './failures';

/** Reads one entity's durable history from the runtime (`replay.historyRun` / `historyWorker`). */
export async function readEntityHistory(deps: ReprojectDeps, replay: ReplayConfig, scope: ReprojectScope, entityId: string): Promise<EntityHistory> {
  const field = scope === 'run' ? 'replay.historyRun' : 'replay.historyWorker';
  const argv = commandFromTemplate(field, scope === 'run' ? replay.historyRun : replay.historyWorker, { id: entityId });
  const timeoutMs = replay.commandTimeoutSeconds * 1000;
  const result = await deps.runCommand({ argv, cwd: replay.cwd, env: replay.env, timeoutMs, ...activityHooks() });
  assertCommandRan(`reading the history of ${scope} ${entityId}`, argv, replay.cwd, result, timeoutMs);
  if (result.exitCode !== 0) {
    throw ApplicationFailure.create({
      type: ReplayFailureType.historyReadFailed,
      message: `cannot read the history of ${scope} ${entityId}: the command exited with ${result.exitCode ?? `signal ${result.signal}`}; output: ${outputTail(result) || '(none)'}`,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(result.stdout);
  } catch {
    throw ApplicationFailure.create({ type: ReplayFailureType.historyReadFailed, nonRetryable: true, message: `${field} did not print history JSON for ${scope} ${entityId}; output: ${outputTail(result) || '(none)'}` });
  }
  const parsed = EntityHistorySchema.safeParse(raw);
  if (!parsed.success) {
    throw ApplicationFailure.create({ type: ReplayFailureType.historyReadFailed, nonRetryable: true, message: `${field} printed history that is not valid for ${scope} ${entityId}: ${formatIssues(parsed.error).join('; ')}` });
  }
  const h = parsed.data;
  const printedId = h.scope === 'run' ? h.run.run_id : h.worker.worker_id;
  if (h.scope !== scope || printedId !== entityId) {
    throw ApplicationFailure.create({ type: ReplayFailureType.historyReadFailed, nonRetryable: true, message: `${field} printed the history of ${h.scope} ${printedId} when asked for ${scope} ${entityId}` });
  }
  return h;
}
