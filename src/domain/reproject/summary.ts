import type { EntityHistory, HistoryEvent, RunHistory, WorkerHistory } from './history';
import { DEFAULT_PROJECTION_VERSION, projectionDocumentId } from './scopes';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A projection document as the runtime writes it to Convex; `projected_at` is when, not what. */
export type ProjectionSummary = { [key: string]: Json } & { document_id: string; kind: string; latest_seq: number; projection_version: string; projected_at: string };

const TERMINAL_RUN_EVENTS = new Set(['run.finished', 'run.failed', 'run.cancelled']);

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function lastOf(events: HistoryEvent[]): HistoryEvent | undefined {
  return events.reduce<HistoryEvent | undefined>((last, e) => (last === undefined || e.seq > last.seq ? e : last), undefined);
}

/** `run_summary`: the run row plus what its events say; deterministic for a given history. */
export function summarizeRun(h: RunHistory, opts: { projectedAt: string; projectionVersion?: string }): ProjectionSummary {
  const { run, events } = h;
  const last = lastOf(events);
  const terminal = lastOf(events.filter((e) => TERMINAL_RUN_EVENTS.has(e.event_type)));
  return {
    document_id: projectionDocumentId('run', run.run_id),
    kind: 'run_summary',
    run_id: run.run_id,
    thread_id: run.thread_id,
    status: run.status,
    owner_user_id: run.owner_user_id,
    owner_guest_scope: run.owner_guest_scope,
    latest_seq: run.latest_seq,
    event_count: events.length,
    latest_event_type: last?.event_type ?? null,
    latest_event_at: last?.inserted_at ?? null,
    terminal_reason_class: stringOrNull(terminal?.payload.reason_class),
    terminal_reason: stringOrNull(terminal?.payload.reason),
    terminal_at: terminal?.inserted_at ?? null,
    updated_at: run.updated_at,
    runtime_source: { entity: 'run', run_id: run.run_id, seq: run.latest_seq },
    projection_version: opts.projectionVersion ?? DEFAULT_PROJECTION_VERSION,
    projected_at: opts.projectedAt,
  };
}

/** `codex_worker_summary`: the worker row (adapter, refs, lifecycle times) plus its events. */
export function summarizeWorker(h: WorkerHistory, opts: { projectedAt: string; projectionVersion?: string }): ProjectionSummary {
  const { worker, events } = h;
  const last = lastOf(events);
  return {
    document_id: projectionDocumentId('codex_worker', worker.worker_id),
    kind: 'codex_worker_summary',
    worker_id: worker.worker_id,
    status: worker.status,
    owner_user_id: worker.owner_user_id,
    owner_guest_scope: worker.owner_guest_scope,
    adapter: worker.adapter,
    workspace_ref: worker.workspace_ref,
    codex_home_ref: worker.codex_home_ref,
    metadata: worker.metadata as { [key: string]: Json },
    latest_seq: worker.latest_seq,
    event_count: events.length,
    latest_event_type: last?.event_type ?? null,
    latest_event_at: last?.inserted_at ?? null,
    started_at: worker.started_at,
    stopped_at: worker.stopped_at,
    last_heartbeat_at: worker.last_heartbeat_at,
    updated_at: worker.updated_at,
    runtime_source: { entity: 'codex_worker', worker_id: worker.worker_id, seq: worker.latest_seq },
    projection_version: opts.projectionVersion ?? DEFAULT_PROJECTION_VERSION,
    projected_at: opts.projectedAt,
  };
}

export function summarizeHistory(h: EntityHistory, opts: { projectedAt: string; projectionVersion?: string }): ProjectionSummary {
  return h.scope === 'run' ? summarizeRun(h, opts) : summarizeWorker(h, opts);
}
