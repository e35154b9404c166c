import type { HistoryEvent, RunHistory, WorkerHistory } from '../../domain/reproject/history';
import type { ProjectionCheckpoint } from '../../domain/reproject/write-decision';
import type { RuntimeDatabase, Row } from './database';

const now = (): string => new Date().toISOString();

function eventOf(row: Row): HistoryEvent {
  return { seq: Number(row.seq), event_type: String(row.event_type), payload: JSON.parse(String(row.payload)) as Record<string, unknown>, inserted_at: String(row.inserted_at) };
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const int = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * The runtime's durable history: runs and codex workers with their append-only events. Appending
 * an event bumps the entity's `latest_seq` and applies what the event means to the entity row,
 * as the runtime's RunEvents / Workers modules do.
 */
export class HistoryStore {
  constructor(readonly db: RuntimeDatabase) {}

  createRun(run: { runId: string; threadId: string; ownerUserId: number | null; status?: string }): void {
    const at = now();
    this.db.run('INSERT INTO runs (run_id, thread_id, status, owner_user_id, owner_guest_scope, latest_seq, created_at, updated_at) VALUES (?, ?, ?, ?, NULL, 0, ?, ?)', [
      run.runId, run.threadId, run.status ?? 'running', run.ownerUserId, at, at,
    ]);
  }

  appendRunEvent(runId: string, eventType: string, payload: Record<string, unknown>): number {
    return this.db.transaction(() => {
      const row = this.db.one('SELECT latest_seq, status FROM runs WHERE run_id = ?', [runId]);
      if (!row) throw new Error(`run ${runId} not found`);
      const seq = Number(row.latest_seq) + 1;
      const at = now();
      this.db.run('INSERT INTO run_events (run_id, seq, event_type, payload, inserted_at) VALUES (?, ?, ?, ?, ?)', [runId, seq, eventType, JSON.stringify(payload), at]);
      const status = eventType === 'run.finished' && typeof payload.status === 'string' ? payload.status : eventType === 'run.started' ? 'running' : String(row.status);
      this.db.run('UPDATE runs SET latest_seq = ?, status = ?, updated_at = ? WHERE run_id = ?', [seq, status, at, runId]);
      return seq;
    });
  }

  createWorker(worker: { workerId: string; adapter: string; ownerUserId: number | null; metadata?: Record<string, unknown> }): void {
    const at = now();
    this.db.run(
      `INSERT INTO codex_workers (worker_id, status, owner_user_id, owner_guest_scope, adapter, workspace_ref, codex_home_ref, metadata, latest_seq, created_at, updated_at)
       VALUES (?, 'starting', ?, NULL, ?, NULL, NULL, ?, 0, ?, ?)`,
      [worker.workerId, worker.ownerUserId, worker.adapter, JSON.stringify(worker.metadata ?? {}), at, at],
    );
  }

  appendWorkerEvent(workerId: string, eventType: string, payload: Record<string, unknown>): number {
    return this.db.transaction(() => {
      const row = this.db.one('SELECT latest_seq FROM codex_workers WHERE worker_id = ?', [workerId]);
      if (!row) throw new Error(`worker ${workerId} not found`);
      const seq = Number(row.latest_seq) + 1;
      const at = now();
      this.db.run('INSERT INTO codex_worker_events (worker_id, seq, event_type, payload, inserted_at) VALUES (?, ?, ?, ?, ?)', [workerId, seq, eventType, JSON.stringify(payload), at]);
      this.db.run('UPDATE codex_workers SET latest_seq = ?, updated_at = ? WHERE worker_id = ?', [seq, at, workerId]);
      if (eventType === 'worker.started') this.db.run("UPDATE codex_workers SET status = 'running', started_at = ? WHERE worker_id = ?", [at, workerId]);
      if (eventType === 'worker.heartbeat') this.db.run('UPDATE codex_workers SET last_heartbeat_at = ? WHERE worker_id = ?', [at, workerId]);
      if (eventType === 'worker.stopped') this.db.run("UPDATE codex_workers SET status = 'stopped', stopped_at = ? WHERE worker_id = ?", [at, workerId]);
      return seq;
    });
  }

  runHistory(runId: string): RunHistory | undefined {
    const r = this.db.one('SELECT * FROM runs WHERE run_id = ?', [runId]);
    if (!r) return undefined;
    return {
      scope: 'run',
      run: {
        run_id: String(r.run_id), thread_id: String(r.thread_id), status: String(r.status), owner_user_id: int(r.owner_user_id), owner_guest_scope: str(r.owner_guest_scope),
        latest_seq: Number(r.latest_seq), created_at: String(r.created_at), updated_at: String(r.updated_at),
      },
      events: this.db.all('SELECT * FROM run_events WHERE run_id = ? ORDER BY seq', [runId]).map(eventOf),
    };
  }

  workerHistory(workerId: string): WorkerHistory | undefined {
    const w = this.db.one('SELECT * FROM codex_workers WHERE worker_id = ?', [workerId]);
    if (!w) return undefined;
    return {
      scope: 'codex_worker',
      worker: {
        worker_id: String(w.worker_id), status: String(w.status), owner_user_id: int(w.owner_user_id), owner_guest_scope: str(w.owner_guest_scope), adapter: String(w.adapter),
        workspace_ref: str(w.workspace_ref), codex_home_ref: str(w.codex_home_ref), metadata: JSON.parse(String(w.metadata)) as Record<string, unknown>, latest_seq: Number(w.latest_seq),
        started_at: str(w.started_at), stopped_at: str(w.stopped_at), last_heartbeat_at: str(w.last_heartbeat_at), created_at: String(w.created_at), updated_at: String(w.updated_at),
      },
      events: this.db.all('SELECT * FROM codex_worker_events WHERE worker_id = ? ORDER BY seq', [workerId]).map(eventOf),
    };
  }

  runIds(): string[] {
    return this.db.all('SELECT run_id FROM runs ORDER BY run_id').map((r) => String(r.run_id));
  }

  workerIds(): string[] {
    return this.db.all('SELECT worker_id FROM codex_workers ORDER BY worker_id').map((r) => String(r.worker_id));
  }

  /** Removes an entity and its events; true when something was there. */
  deleteRun(runId: string): boolean {
    return this.db.transaction(() => {
      this.db.run('DELETE FROM run_events WHERE run_id = ?', [runId]);
      return this.db.run('DELETE FROM runs WHERE run_id = ?', [runId]) > 0;
    });
  }

  deleteWorker(workerId: string): boolean {
    return this.db.transaction(() => {
      this.db.run('DELETE FROM codex_worker_events WHERE worker_id = ?', [workerId]);
      return this.db.run('DELETE FROM codex_workers WHERE worker_id = ?', [workerId]) > 0;
    });
  }

  checkpoint(projectionName: string, entityId: string): ProjectionCheckpoint | undefined {
    const c = this.db.one('SELECT * FROM convex_projection_checkpoints WHERE projection_name = ? AND entity_id = ?', [projectionName, entityId]);
    if (!c) return undefined;
    return {
      projectionName: String(c.projection_name), entityId: String(c.entity_id), documentId: String(c.document_id), lastRuntimeSeq: Number(c.last_runtime_seq),
      projectionVersion: String(c.projection_version), summaryHash: String(c.summary_hash), lastProjectedAt: String(c.last_projected_at),
    };
  }

  upsertCheckpoint(c: ProjectionCheckpoint): void {
    this.db.run(
      `INSERT INTO convex_projection_checkpoints (projection_name, entity_id, document_id, last_runtime_seq, projection_version, summary_hash, last_projected_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (projection_name, entity_id) DO UPDATE SET document_id = excluded.document_id, last_runtime_seq = excluded.last_runtime_seq,
         projection_version = excluded.projection_version, summary_hash = excluded.summary_hash, last_projected_at = excluded.last_projected_at`,
      [c.projectionName, c.entityId, c.documentId, c.lastRuntimeSeq, c.projectionVersion, c.summaryHash, c.lastProjectedAt],
    );
  }

  deleteCheckpoint(projectionName: string, entityId: string): void {
    this.db.run('DELETE FROM convex_projection_checkpoints WHERE projection_name = ? AND entity_id = ?', [projectionName, entityId]);
  }
}
