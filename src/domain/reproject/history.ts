import { z } from 'zod';

/**
 * The durable history of one entity as the runtime exports it (its `history --run-id/--worker-id`
 * command prints one of these as JSON): the entity row plus its events ordered by `seq`.
 * Mirrors the runtime's Postgres tables.
 */
const Timestamp = z.string().min(1);

export const HistoryEventSchema = z.object({
  seq: z.number().int().positive(),
  event_type: z.string().min(1),
  payload: z.record(z.string(), z.unknown()),
  inserted_at: Timestamp,
});

export const RunRowSchema = z.object({
  run_id: z.string().min(1),
  thread_id: z.string().min(1),
  status: z.string().min(1),
  owner_user_id: z.number().int().nullable(),
  owner_guest_scope: z.string().nullable(),
  latest_seq: z.number().int().min(0),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const WorkerRowSchema = z.object({
  worker_id: z.string().min(1),
  status: z.string().min(1),
  owner_user_id: z.number().int().nullable(),
  owner_guest_scope: z.string().nullable(),
  adapter: z.string().min(1),
  workspace_ref: z.string().nullable(),
  codex_home_ref: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  latest_seq: z.number().int().min(0),
  started_at: Timestamp.nullable(),
  stopped_at: Timestamp.nullable(),
  last_heartbeat_at: Timestamp.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const RunHistorySchema = z.object({ scope: z.literal('run'), run: RunRowSchema, events: z.array(HistoryEventSchema) });
export const WorkerHistorySchema = z.object({ scope: z.literal('codex_worker'), worker: WorkerRowSchema, events: z.array(HistoryEventSchema) });
export const EntityHistorySchema = z.discriminatedUnion('scope', [RunHistorySchema, WorkerHistorySchema]);

export type HistoryEvent = z.infer<typeof HistoryEventSchema>;
export type RunRow = z.infer<typeof RunRowSchema>;
export type WorkerRow = z.infer<typeof WorkerRowSchema>;
export type RunHistory = z.infer<typeof RunHistorySchema>;
export type WorkerHistory = z.infer<typeof WorkerHistorySchema>;
export type EntityHistory = z.infer<typeof EntityHistorySchema>;
