import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { DocumentStore, ImportedTable, ImportMode } from './document-store';
import { newDocumentId } from './document-store';
import type { ConvexFaults } from './faults';
import type { FileStore, ImportedStorage } from './file-storage';
import { readJsonArrayFile, readJsonLinesFile, readSnapshotStorage, readSnapshotZip, writeSnapshotZip } from './snapshot-zip';
import { nextConvexTs } from './timestamps';
import type { ConvexObject } from './values';

export type ExportState = 'requested' | 'in_progress' | 'completed' | 'failed';

export interface ExportRecord {
  id: string;
  creationTime: number;
  startTs: bigint;
  state: ExportState;
  completeTs?: bigint;
  failedTs?: bigint;
  includeStorage: boolean;
  zipPath: string;
  truncate: boolean;
}

export type ImportFormat = 'zip' | 'jsonLines' | 'jsonArray' | 'csv';

export type ImportState =
  | { state: 'uploaded' }
  | { state: 'waiting_for_confirmation'; message_to_confirm: string; require_manual_confirmation: boolean }
  | { state: 'in_progress'; progress_message: string; checkpoint_messages: string[] }
  | { state: 'completed'; timestamp: bigint; num_rows_written: bigint }
  | { state: 'failed'; error_message: string };

export interface ImportRecord {
  id: string;
  creationTime: number;
  format: ImportFormat;
  tableName?: string;
  mode: ImportMode;
  file: string;
  state: ImportState;
  parsed?: ImportedTable[];
  /** The snapshot's `_storage` table (ZIP imports). */
  storage?: ImportedStorage;
}

const CHECKPOINT_PAUSE_MS = 250;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const MODE_NAMES: Record<ImportMode, string> = { requireEmpty: 'RequireEmpty', append: 'Append', replace: 'Replace', replaceAll: 'ReplaceAll' };

/** The `_snapshot_imports` document the CLI reads through `_system/cli/queryImport`. */
export function importDocument(r: ImportRecord): ConvexObject {
  const format: ConvexObject = r.format === 'zip' ? { format: 'zip' } : { format: r.format === 'jsonLines' ? 'jsonl' : r.format === 'jsonArray' ? 'json_array' : 'csv', table: r.tableName ?? null };
  return {
    _id: r.id,
    _creationTime: r.creationTime,
    state: r.state as unknown as ConvexObject,
    format,
    mode: MODE_NAMES[r.mode],
    requestor: { type: 'snapshotImport' },
    checkpoints: null,
  };
}

/** The `_exports` document the CLI reads through `_system/cli/exports:getLatest`. */
export function exportDocument(r: ExportRecord): ConvexObject {
  const doc: ConvexObject = {
    _id: r.id,
    _creationTime: r.creationTime,
    state: r.state,
    requestor: 'snapshotExport',
    format: { format: 'zip', include_storage: r.includeStorage },
  };
  if (r.state !== 'requested') doc.start_ts = r.startTs;
  if (r.state === 'completed') {
    doc.complete_ts = r.completeTs!;
    doc.expiration_ts = r.completeTs! + 14n * 24n * 3600n * 1_000_000_000n;
    doc.zip_object_key = path.basename(r.zipPath);
  }
  if (r.state === 'failed') doc.failed_ts = r.failedTs!;
  return doc;
}

/** The change summary a real backend asks the CLI to confirm (reference section 4). */
export function changeSummary(rows: { table: string; create: number; delete: number; existing: number }[]): string {
  const cells = rows.map((r) => [r.table, String(r.create), `${r.delete} of ${r.existing}`]);
  const widths = [0, 1, 2].map((i) => Math.max(['table', 'create', 'delete'][i]!.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => `${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  const header = line(['table', 'create', 'delete']);
  return ['Import change summary:', header, '-'.repeat(header.length), ...cells.map(line), 'Once the import has started, it will run in the background.', 'Interrupting `npx convex import` will not cancel it.'].join('\n');
}

/**
 * Snapshot exports and imports of one stand-in deployment: the `_exports` and `_snapshot_imports`
 * state machines the CLI waits on over the sync WebSocket. Emits `change` whenever a record moves.
 */
export class SnapshotJobs extends EventEmitter {
  readonly exports: ExportRecord[] = [];
  readonly imports = new Map<string, ImportRecord>();
  private releaseExportWaiters: (() => void)[] = [];
  private releaseImportWaiters: (() => void)[] = [];

  constructor(
    private readonly store: DocumentStore,
    private readonly faults: ConvexFaults,
    private readonly workDir: string,
    private readonly files: FileStore,
  ) {
    super();
    fs.mkdirSync(path.join(workDir, 'exports'), { recursive: true });
    fs.mkdirSync(path.join(workDir, 'uploads'), { recursive: true });
  }

  private changed(): void {
    this.emit('change');
  }

  latestExport(): ExportRecord | undefined {
    return this.exports[this.exports.length - 1];
  }

  exportRunning(): boolean {
    const s = this.latestExport()?.state;
    return s === 'requested' || s === 'in_progress';
  }

  /** Creates the `_exports` record before answering (the CLI reads `.state` of the first value at once). */
  requestExport(includeStorage: boolean): ExportRecord {
    const startTs = nextConvexTs();
    const record: ExportRecord = {
      id: newDocumentId(),
      creationTime: Date.now(),
      startTs,
      state: 'requested',
      includeStorage,
      zipPath: path.join(this.workDir, 'exports', `snapshot_${startTs}.zip`),
      truncate: this.faults.truncateNextExport,
    };
    this.faults.truncateNextExport = false;
    this.exports.push(record);
    const tables = this.store.capture();
    const storage = includeStorage ? { files: this.files.list(), store: this.files } : undefined;
    const fail = this.faults.failNextExport;
    this.faults.failNextExport = false;
    const hugeLine = this.faults.hugeLineNextExport;
    this.faults.hugeLineNextExport = undefined;
    setImmediate(() => void this.runExport(record, tables, fail, storage, hugeLine));
    return record;
  }

  private async runExport(record: ExportRecord, tables: ReturnType<DocumentStore['capture']>, fail: boolean, storage?: Parameters<typeof writeSnapshotZip>[2], hugeLine?: number): Promise<void> {
    record.state = 'in_progress';
    this.changed();
    while (this.faults.stallExports) await new Promise<void>((r) => this.releaseExportWaiters.push(r));
    try {
      if (fail) throw new Error('injected export failure');
      await writeSnapshotZip(tables, record.zipPath, storage, hugeLine);
      record.completeTs = nextConvexTs();
      record.state = 'completed';
    } catch {
      record.failedTs = nextConvexTs();
      record.state = 'failed';
    }
    this.changed();
  }

  releaseExports(): void {
    this.faults.stallExports = false;
    for (const r of this.releaseExportWaiters.splice(0)) r();
  }

  exportByTs(ts: string): ExportRecord | undefined {
    return this.exports.find((e) => e.startTs.toString() === ts && e.state === 'completed');
  }

  // -- imports ---------------------------------------------------------------------------------

  startUpload(): string {
    const token = newDocumentId();
    fs.mkdirSync(path.join(this.workDir, 'uploads', token));
    return token;
  }

  uploadPart(token: string, partNumber: number, bytes: Buffer): string {
    const dir = path.join(this.workDir, 'uploads', token);
    if (!/^[0-9a-z]+$/.test(token) || !fs.existsSync(dir)) throw new Error(`unknown upload token`);
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 9999) throw new Error(`partNumber must be 1..9999`);
    fs.writeFileSync(path.join(dir, String(partNumber).padStart(5, '0')), bytes);
    return `${token}-${partNumber}`;
  }

  finishUpload(token: string, partTokens: string[], args: { format: ImportFormat; mode: ImportMode; tableName?: string; componentPath?: string }): ImportRecord {
    const dir = path.join(this.workDir, 'uploads', token);
    if (!/^[0-9a-z]+$/.test(token) || !fs.existsSync(dir)) throw new Error('unknown upload token');
    const file = path.join(this.workDir, 'uploads', `${token}.${args.format}`);
    const fd = fs.openSync(file, 'w');
    try {
      for (const [i, part] of partTokens.entries()) {
        if (part !== `${token}-${i + 1}`) throw new Error(`part token ${i + 1} does not match the upload`);
        fs.writeSync(fd, fs.readFileSync(path.join(dir, String(i + 1).padStart(5, '0'))));
      }
    } finally {
      fs.closeSync(fd);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    const record: ImportRecord = { id: newDocumentId(), creationTime: Date.now(), format: args.format, tableName: args.tableName, mode: args.mode, file, state: { state: 'uploaded' } };
    this.imports.set(record.id, record);
    setImmediate(() => void this.parseImport(record, args.componentPath));
    return record;
  }

  private fail(record: ImportRecord, message: string): void {
    record.state = { state: 'failed', error_message: message };
    fs.rmSync(record.file, { force: true });
    this.changed();
  }

  private async parseImport(record: ImportRecord, componentPath: string | undefined): Promise<void> {
    try {
      if (componentPath) throw new Error('component imports are not supported by the Convex stand-in');
      if (record.format === 'zip') {
        record.parsed = await readSnapshotZip(record.file);
        record.storage = await readSnapshotStorage(record.file);
      }
      else if (record.format === 'jsonLines') record.parsed = readJsonLinesFile(record.file, record.tableName!);
      else if (record.format === 'jsonArray') record.parsed = readJsonArrayFile(record.file, record.tableName!);
      else throw new Error('CSV imports are not supported by the Convex stand-in');
    } catch (err) {
      return this.fail(record, `Hit an error while importing: ${(err as Error).message}`);
    }
    const rows = record.parsed.map((t) => {
      const existing = this.store.count(t.name);
      const deletes = record.mode === 'replace' || record.mode === 'replaceAll' ? existing : 0;
      return { table: t.name, create: t.lines.length, delete: deletes, existing };
    });
    if (record.storage?.files.length) {
      const existing = this.files.count();
      rows.push({ table: '_storage', create: record.storage.files.length, delete: record.mode === 'replace' || record.mode === 'replaceAll' ? existing : 0, existing });
    }
    if (record.mode === 'replaceAll') {
      const imported = new Set(rows.map((r) => r.table));
      for (const name of this.store.tableNames()) {
        const existing = this.store.count(name);
        if (!imported.has(name)) rows.push({ table: name, create: 0, delete: existing, existing });
      }
    }
    if (record.mode === 'requireEmpty') {
      const occupied = rows.find((r) => r.existing > 0);
      if (occupied) {
        return this.fail(record, `Table "${occupied.table}" already has ${occupied.existing} documents and the import mode is RequireEmpty. Use --replace, --replace-all or --append.`);
      }
    }
    rows.sort((a, b) => (a.table < b.table ? -1 : 1));
    record.state = { state: 'waiting_for_confirmation', message_to_confirm: changeSummary(rows), require_manual_confirmation: rows.some((r) => r.delete > 0) };
    this.changed();
  }

  performImport(importId: string): void {
    const record = this.imports.get(importId);
    if (!record) throw new Error(`import ${importId} not found`);
    if (record.state.state !== 'waiting_for_confirmation') throw new Error(`import ${importId} is ${record.state.state}, not waiting for confirmation`);
    record.state = { state: 'in_progress', progress_message: 'Importing', checkpoint_messages: [] };
    this.changed();
    setImmediate(() => void this.runImport(record));
  }

  private async runImport(record: ImportRecord): Promise<void> {
    // The CLI opens a new sync socket after confirming; pausing like a real backend's work lets it
    // see the in-progress state and print each table's checkpoint line.
    await sleep(CHECKPOINT_PAUSE_MS);
    while (this.faults.stallImports) await new Promise<void>((r) => this.releaseImportWaiters.push(r));
    const failure = this.faults.failNextImport;
    this.faults.failNextImport = undefined;
    if (failure !== undefined) return this.fail(record, failure);
    let tables = record.parsed ?? [];
    const drop = this.faults.dropDocumentsOnNextImport;
    this.faults.dropDocumentsOnNextImport = 0;
    if (drop > 0) {
      let left = drop;
      tables = tables.map((t) => {
        const cut = Math.min(left, t.lines.length);
        left -= cut;
        return { ...t, lines: t.lines.slice(cut) };
      });
    }
    let written: { name: string; written: number }[];
    try {
      written = this.store.applyImport(tables, record.mode);
      if (record.storage?.files.length) written.push({ name: '_storage', written: this.files.applyImport(record.storage, record.mode) });
    } catch (err) {
      return this.fail(record, `Hit an error while importing: ${(err as Error).message}`);
    }
    const messages = written.sort((a, b) => (a.name < b.name ? -1 : 1)).map((t) => `Imported "${t.name}" (${t.written} documents)`);
    record.state = { state: 'in_progress', progress_message: 'Importing', checkpoint_messages: messages };
    this.changed();
    await sleep(CHECKPOINT_PAUSE_MS);
    const total = written.reduce((n, t) => n + t.written, 0);
    record.state = { state: 'completed', timestamp: nextConvexTs(), num_rows_written: BigInt(total) };
    record.parsed = undefined;
    record.storage = undefined;
    fs.rmSync(record.file, { force: true });
    this.changed();
  }

  releaseImports(): void {
    this.faults.stallImports = false;
    for (const r of this.releaseImportWaiters.splice(0)) r();
  }
}
