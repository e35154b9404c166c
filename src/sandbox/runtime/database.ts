import fs from 'node:fs';
import path from 'node:path';
import initSqlJs, { type Database, type SqlValue } from 'sql.js';
import { acquireFileLock } from './file-lock';

// The runtime's Postgres tables (schema `runtime`) in SQLite.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY, thread_id TEXT NOT NULL, status TEXT NOT NULL,
  owner_user_id INTEGER, owner_guest_scope TEXT, latest_seq INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS run_events (
  run_id TEXT NOT NULL REFERENCES runs(run_id), seq INTEGER NOT NULL, event_type TEXT NOT NULL,
  payload TEXT NOT NULL, inserted_at TEXT NOT NULL, PRIMARY KEY (run_id, seq));
CREATE TABLE IF NOT EXISTS codex_workers (
  worker_id TEXT PRIMARY KEY, status TEXT NOT NULL, owner_user_id INTEGER, owner_guest_scope TEXT,
  adapter TEXT NOT NULL, workspace_ref TEXT, codex_home_ref TEXT, metadata TEXT NOT NULL DEFAULT '{}',
  latest_seq INTEGER NOT NULL DEFAULT 0, started_at TEXT, stopped_at TEXT, last_heartbeat_at TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS codex_worker_events (
  worker_id TEXT NOT NULL REFERENCES codex_workers(worker_id), seq INTEGER NOT NULL, event_type TEXT NOT NULL,
  payload TEXT NOT NULL, inserted_at TEXT NOT NULL, PRIMARY KEY (worker_id, seq));
CREATE TABLE IF NOT EXISTS convex_projection_checkpoints (
  projection_name TEXT NOT NULL, entity_id TEXT NOT NULL, document_id TEXT NOT NULL,
  last_runtime_seq INTEGER NOT NULL, projection_version TEXT NOT NULL, summary_hash TEXT NOT NULL,
  last_projected_at TEXT NOT NULL, PRIMARY KEY (projection_name, entity_id));
`;

export type Row = Record<string, SqlValue>;

/** A file-backed SQLite database (sql.js, WebAssembly), held exclusively while open. */
export class RuntimeDatabase {
  private dirty = false;

  private constructor(
    private readonly db: Database,
    private readonly file: string,
    private readonly release: () => void,
  ) {}

  static async open(file: string, lockTimeoutMs = 30_000): Promise<RuntimeDatabase> {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const release = await acquireFileLock(`${file}.lock`, lockTimeoutMs);
    try {
      const SQL = await initSqlJs();
      const db = fs.existsSync(file) ? new SQL.Database(fs.readFileSync(file)) : new SQL.Database();
      db.run('PRAGMA foreign_keys = ON');
      db.exec(SCHEMA);
      return new RuntimeDatabase(db, file, release);
    } catch (err) {
      release();
      throw err;
    }
  }

  all(sql: string, params: SqlValue[] = []): Row[] {
    const stmt = this.db.prepare(sql);
    try {
      stmt.bind(params);
      const rows: Row[] = [];
      while (stmt.step()) rows.push(stmt.getAsObject());
      return rows;
    } finally {
      stmt.free();
    }
  }

  one(sql: string, params: SqlValue[] = []): Row | undefined {
    return this.all(sql, params)[0];
  }

  run(sql: string, params: SqlValue[] = []): number {
    this.db.run(sql, params);
    this.dirty = true;
    return this.db.getRowsModified();
  }

  /** Runs fn in a transaction; a throw rolls every change back. */
  transaction<T>(fn: () => T): T {
    this.db.run('BEGIN');
    try {
      const out = fn();
      this.db.run('COMMIT');
      return out;
    } catch (err) {
      this.db.run('ROLLBACK');
      throw err;
    }
  }

  /** Writes the database back to its file atomically (temp file, then rename). */
  save(): void {
    if (!this.dirty) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, this.db.export());
    fs.renameSync(tmp, this.file);
    this.dirty = false;
  }

  close(): void {
    try {
      this.save();
      this.db.close();
    } finally {
      this.release();
    }
  }
}
