import type { EntityHistory } from '../../domain/reproject/history';
import { PROJECTION_NAMES, type ReprojectScope } from '../../domain/reproject/scopes';
import { summarizeHistory } from '../../domain/reproject/summary';
import { summaryHash } from '../../domain/reproject/summary-hash';
import { decideProjectionWrite, type WriteDecision } from '../../domain/reproject/write-decision';
import { SinkWriteError, type ConvexProjectionSink } from './convex-sink';
import type { HistoryStore } from './history-store';

export type ProjectionOutcome =
  | { result: 'ok'; write: 'applied' | 'skipped'; decision: WriteDecision }
  | { result: 'error'; reason: 'run_not_found' | 'worker_not_found' | 'sink_write_failed'; detail?: string };

/**
 * The runtime's Projector: summary from history, write decision against the checkpoint, then
 * "write" = call the sink and only then move the checkpoint, so a failed sink leaves it behind.
 */
export class Projector {
  constructor(
    private readonly store: HistoryStore,
    private readonly sink: ConvexProjectionSink,
    private readonly projectionVersion: string,
    private readonly log: (line: string) => void,
  ) {}

  history(scope: ReprojectScope, entityId: string): EntityHistory | undefined {
    return scope === 'run' ? this.store.runHistory(entityId) : this.store.workerHistory(entityId);
  }

  async project(scope: ReprojectScope, entityId: string): Promise<ProjectionOutcome> {
    const history = this.history(scope, entityId);
    if (!history) return { result: 'error', reason: scope === 'run' ? 'run_not_found' : 'worker_not_found' };
    const projectedAt = new Date().toISOString();
    const summary = summarizeHistory(history, { projectedAt, projectionVersion: this.projectionVersion });
    const hash = summaryHash(summary);
    const projectionName = PROJECTION_NAMES[scope];
    const decision = decideProjectionWrite(this.store.checkpoint(projectionName, entityId), { seq: summary.latest_seq, projectionVersion: summary.projection_version, summaryHash: hash });
    if (decision.drift) this.log(`[warning] convex projection drift projection=${projectionName} entity=${entityId} reason=${decision.reason}`);
    if (decision.action === 'skip') return { result: 'ok', write: decision.write, decision };
    try {
      await this.sink.upsert(scope, entityId, summary);
    } catch (err) {
      if (!(err instanceof SinkWriteError)) throw err;
      this.log(`[error] convex projection sink write failed document=${summary.document_id}: ${err.message}`);
      return { result: 'error', reason: 'sink_write_failed', detail: err.message };
    }
    this.store.upsertCheckpoint({
      projectionName, entityId, documentId: summary.document_id, lastRuntimeSeq: summary.latest_seq, projectionVersion: summary.projection_version, summaryHash: hash, lastProjectedAt: projectedAt,
    });
    return { result: 'ok', write: decision.write, decision };
  }

  /** Reprojection's "drop + replay": forget the checkpoint, then project (so a success is always `applied`). */
  async rebuild(scope: ReprojectScope, entityId: string): Promise<ProjectionOutcome & { durationMs: number }> {
    const t0 = performance.now();
    this.store.deleteCheckpoint(PROJECTION_NAMES[scope], entityId);
    const outcome = await this.project(scope, entityId);
    return { ...outcome, durationMs: Math.round(performance.now() - t0) };
  }
}
