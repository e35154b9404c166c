import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { asObject, encodeExportJson, parseExportJson, type ConvexObject } from './values';

/** User table names as Convex accepts them (system tables start with `_`). */
export const TABLE_NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,63}$/;

const ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** A document id in Convex's shape (32 lowercase base32 characters); not the backend's real encoding. */
export function newDocumentId(): string {
  const bytes = crypto.randomBytes(32);
  let id = '';
  for (const b of bytes) id += ID_ALPHABET[b & 31];
  return id;
}

interface StoredTable {
  name: string;
  number: number;
  /** `_id` -> the document's export-JSON line, exactly as written or imported; insertion order is export order. */
  docs: Map<string, string>;
  /** Projection key -> `_id`, built on first use. */
  keyIndex?: Map<string, string>;
}

export interface TableLines {
  name: string;
  number: number;
  lines: string[];
}

export type ImportMode = 'requireEmpty' | 'append' | 'replace' | 'replaceAll';

export interface ImportedTable {
  name: string;
  /** Table number from the snapshot's `_tables/documents.jsonl`, kept when free. */
  number?: number;
  lines: string[];
}

/** Reads the `_id` of a document line; throws with the line number when the line is not a document. */
function documentOf(line: string, where: string): ConvexObject {
  let doc: ConvexObject | undefined;
  try {
    doc = asObject(parseExportJson(line));
  } catch (err) {
    throw new Error(`${where}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (!doc) throw new Error(`${where}: a document must be a JSON object`);
  return doc;
}

/**
 * The stand-in's tables, persisted in a data folder (`tables.json` plus one JSONL file per table)
 * so a restarted stand-in serves the same data. Document lines are kept as raw text: the stand-in
 * re-encodes only documents it writes itself (projection upserts, seeds).
 */
export class DocumentStore {
  private tables = new Map<string, StoredTable>();
  private lastCreationTime = 0;

  private constructor(private readonly dataDir: string) {}

  static open(dataDir: string): DocumentStore {
    const store = new DocumentStore(dataDir);
    fs.mkdirSync(path.join(dataDir, 'tables'), { recursive: true });
    const catalog = path.join(dataDir, 'tables.json');
    if (fs.existsSync(catalog)) {
      const { tables } = JSON.parse(fs.readFileSync(catalog, 'utf8')) as { tables: { name: string; number: number }[] };
      for (const t of tables) {
        const table: StoredTable = { name: t.name, number: t.number, docs: new Map() };
        const file = store.tableFile(t.number);
        if (fs.existsSync(file)) {
          const lines = fs.readFileSync(file, 'utf8').split('\n');
          lines.forEach((line, i) => {
            if (line) table.docs.set(String(documentOf(line, `${file}:${i + 1}`)._id), line);
          });
        }
        store.tables.set(t.name, table);
      }
    }
    return store;
  }

  tableNames(): string[] {
    return [...this.tables.keys()].sort();
  }

  count(table: string): number {
    return this.tables.get(table)?.docs.size ?? 0;
  }

  /** A consistent copy of every table's lines, as an export captures them when it is requested. */
  capture(): TableLines[] {
    return [...this.tables.values()].sort((a, b) => a.number - b.number).map((t) => ({ name: t.name, number: t.number, lines: [...t.docs.values()] }));
  }

  // -- documents written by the stand-in itself ------------------------------------------------

  private nextCreationTime(): number {
    const now = Date.now();
    this.lastCreationTime = now > this.lastCreationTime ? now : this.lastCreationTime + 0.001;
    return this.lastCreationTime;
  }

  private table(name: string): StoredTable {
    let t = this.tables.get(name);
    if (!t) {
      const used = new Set([...this.tables.values()].map((x) => x.number));
      let number = 10001;
      while (used.has(number)) number++;
      t = { name, number, docs: new Map() };
      this.tables.set(name, t);
    }
    return t;
  }

  /**
   * Inserts documents, adding `_id` and `_creationTime` when missing; returns their ids. A string
   * is a raw export-JSON line and is stored byte for byte when it already has both system fields.
   */
  insert(tableName: string, docs: (ConvexObject | string)[]): string[] {
    const t = this.table(tableName);
    const ids = docs.map((given) => {
      const doc = typeof given === 'string' ? documentOf(given, `${tableName} seed`) : given;
      if (typeof given === 'string' && typeof doc._id === 'string' && typeof doc._creationTime === 'number') {
        t.docs.set(doc._id, given);
        if (t.keyIndex && typeof doc.key === 'string') t.keyIndex.set(doc.key, doc._id);
        return doc._id;
      }
      const full: ConvexObject = { ...doc, _id: typeof doc._id === 'string' ? doc._id : newDocumentId() };
      if (typeof full._creationTime !== 'number') full._creationTime = this.nextCreationTime();
      t.docs.set(full._id as string, encodeExportJson(full));
      if (t.keyIndex && typeof full.key === 'string') t.keyIndex.set(full.key, full._id as string);
      return full._id as string;
    });
    this.persist([t]);
    return ids;
  }

  private keyIndex(t: StoredTable): Map<string, string> {
    if (!t.keyIndex) {
      t.keyIndex = new Map();
      for (const [id, line] of t.docs) {
        const key = documentOf(line, `${t.name}/${id}`).key;
        if (typeof key === 'string') t.keyIndex.set(key, id);
      }
    }
    return t.keyIndex;
  }

  getByKey(tableName: string, key: string): ConvexObject | null {
    const t = this.tables.get(tableName);
    const id = t && this.keyIndex(t).get(key);
    const line = id && t.docs.get(id);
    return line ? documentOf(line, `${tableName}/${id}`) : null;
  }

  /** Replaces the fields of the document whose `key` matches (keeping `_id`/`_creationTime`), or inserts one. */
  upsertByKey(tableName: string, key: string, fields: ConvexObject): void {
    const t = this.table(tableName);
    const existing = this.getByKey(tableName, key);
    const doc: ConvexObject = { ...fields, key };
    delete doc._id;
    delete doc._creationTime;
    if (existing) {
      doc._id = existing._id!;
      doc._creationTime = existing._creationTime!;
      t.docs.set(doc._id as string, encodeExportJson(doc));
      this.persist([t]);
    } else {
      this.insert(tableName, [doc]);
    }
  }

  removeByKey(tableName: string, key: string): boolean {
    const t = this.tables.get(tableName);
    if (!t) return false;
    const index = this.keyIndex(t);
    const id = index.get(key);
    if (!id) return false;
    t.docs.delete(id);
    index.delete(key);
    this.persist([t]);
    return true;
  }

  list(tableName: string): ConvexObject[] {
    const t = this.tables.get(tableName);
    return t ? [...t.docs].map(([id, line]) => documentOf(line, `${tableName}/${id}`)) : [];
  }

  // -- snapshot imports ------------------------------------------------------------------------

  /**
   * Applies parsed import data with the CLI's mode semantics and returns documents written per
   * table. `_id`s are kept (a true restore); in append mode an `_id` that already exists gets a
   * fresh one so the appended copy does not overwrite the original.
   */
  applyImport(imported: ImportedTable[], mode: ImportMode): { name: string; written: number }[] {
    const touched: StoredTable[] = [];
    if (mode === 'replaceAll') {
      const keep = new Set(imported.map((t) => t.name));
      for (const t of this.tables.values()) if (!keep.has(t.name)) this.dropTable(t);
    }
    const result = imported.map((imp) => {
      let t = this.tables.get(imp.name);
      if (!t) {
        const used = new Set([...this.tables.values()].map((x) => x.number));
        t = imp.number !== undefined && !used.has(imp.number) ? { name: imp.name, number: imp.number, docs: new Map() } : undefined;
        if (t) this.tables.set(imp.name, t);
        else t = this.table(imp.name);
      }
      if (mode === 'replace' || mode === 'replaceAll') t.docs.clear();
      t.keyIndex = undefined;
      imp.lines.forEach((line, i) => {
        const doc = documentOf(line, `${imp.name} line ${i + 1}`);
        let id = typeof doc._id === 'string' ? doc._id : undefined;
        if (id === undefined || (mode === 'append' && t.docs.has(id))) {
          id = newDocumentId();
          doc._id = id;
          if (typeof doc._creationTime !== 'number') doc._creationTime = this.nextCreationTime();
          line = encodeExportJson(doc);
        }
        t.docs.set(id, line);
      });
      touched.push(t);
      return { name: imp.name, written: imp.lines.length };
    });
    this.persist(touched);
    return result;
  }

  private dropTable(t: StoredTable): void {
    this.tables.delete(t.name);
    fs.rmSync(this.tableFile(t.number), { force: true });
  }

  clear(): void {
    for (const t of [...this.tables.values()]) this.dropTable(t);
    this.persist([]);
  }

  // -- persistence -----------------------------------------------------------------------------

  private tableFile(number: number): string {
    return path.join(this.dataDir, 'tables', `${number}.jsonl`);
  }

  /** Rewrites the changed tables and the catalog atomically (write to a temp file, then rename). */
  private persist(changed: StoredTable[]): void {
    for (const t of changed) {
      const file = this.tableFile(t.number);
      const tmp = `${file}.tmp`;
      const fd = fs.openSync(tmp, 'w');
      try {
        let batch: string[] = [];
        let size = 0;
        for (const line of t.docs.values()) {
          batch.push(line);
          size += line.length;
          if (size > 1 << 20) {
            fs.writeSync(fd, batch.join('\n') + '\n');
            batch = [];
            size = 0;
          }
        }
        if (batch.length) fs.writeSync(fd, batch.join('\n') + '\n');
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, file);
    }
    const catalog = path.join(this.dataDir, 'tables.json');
    const tables = [...this.tables.values()].map((t) => ({ name: t.name, number: t.number }));
    fs.writeFileSync(`${catalog}.tmp`, JSON.stringify({ tables }, null, 2));
    fs.renameSync(`${catalog}.tmp`, catalog);
  }
}
