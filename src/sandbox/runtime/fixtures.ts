import type { ReprojectScope } from '../../domain/reproject/scopes';
import { SinkWriteError, type ConvexProjectionSink } from './convex-sink';
import type { HistoryStore } from './history-store';
import type { Projector } from './projector';

// The drill's fixtures: one owner, and one run whose events start, stream a delta and finish.
const OWNER_USER_ID = 9901;
const RUN_EVENTS: [string, Record<string, unknown>][] = [
  ['run.started', {}],
  ['run.delta', { delta: 'g7 drill' }],
  ['run.finished', { status: 'succeeded', reason_class: 'drill' }],
];

/**
 * Seeds one run and one codex worker with the events above. Every append projects, as
 * the runtime's RunEvents/Workers do, and the projection's result is ignored as there. An id
 * that already exists is left as it is, so a retried seed is harmless.
 */
export async function seedFixtures(store: HistoryStore, projector: Projector, ids: { runId: string; workerId: string }): Promise<{ runSeeded: boolean; workerSeeded: boolean }> {
  const runSeeded = !store.runHistory(ids.runId);
  if (runSeeded) {
    store.createRun({ runId: ids.runId, threadId: `thread_${ids.runId}`, ownerUserId: OWNER_USER_ID });
    for (const [type, payload] of RUN_EVENTS) {
      store.appendRunEvent(ids.runId, type, payload);
      await projector.project('run', ids.runId);
    }
  }
  const workerSeeded = !store.workerHistory(ids.workerId);
  if (workerSeeded) {
    store.createWorker({ workerId: ids.workerId, adapter: 'desktop_bridge', ownerUserId: OWNER_USER_ID });
    const events: [string, Record<string, unknown>][] = [
      ['worker.started', {}],
      ['worker.heartbeat', { source: 'g7-drill' }],
      ['worker.stopped', { reason: 'drill_done' }],
    ];
    for (const [type, payload] of events) {
      store.appendWorkerEvent(ids.workerId, type, payload);
      await projector.project('codex_worker', ids.workerId);
    }
  }
  return { runSeeded, workerSeeded };
}

export interface CleanupOutcome {
  scope: ReprojectScope;
  entity: string;
  history: 'removed' | 'absent';
  projection: 'removed' | 'absent';
}

/**
 * Removes a fixture everywhere it left a trace: its projection in Convex first (through the
 * runtime's sink: the runtime stays the only writer of projections), then its history and
 * checkpoint. If Convex refuses, the history stays, so running cleanup again finishes the job.
 */
export async function cleanupFixture(store: HistoryStore, sink: ConvexProjectionSink, scope: ReprojectScope, entity: string): Promise<CleanupOutcome> {
  let removed: boolean;
  try {
    removed = await sink.remove(scope, entity);
  } catch (err) {
    if (err instanceof SinkWriteError) throw new Error(`sink_remove_failed: ${err.message}`, { cause: err });
    throw err;
  }
  const existed = scope === 'run' ? store.deleteRun(entity) : store.deleteWorker(entity);
  store.deleteCheckpoint(scope === 'run' ? 'run_summary' : 'codex_worker_summary', entity);
  return { scope, entity, history: existed ? 'removed' : 'absent', projection: removed ? 'removed' : 'absent' };
}
