import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import yazl from 'yazl';
import type { ImportedTable, TableLines } from './document-store';
import { storageEntryName, type FileStore, type ImportedStorage, type StoredFile } from './file-storage';
import { encodeExportJson, parseExportJson } from './values';

const README = `This is a Convex snapshot export, written by the drillctl Convex stand-in in the layout of
a real backend's export: _tables/documents.jsonl maps table names to numbers, and each table has
<table>/documents.jsonl (one document per line) and <table>/generated_schema.jsonl.
`;

function* lineChunks(lines: string[]): Generator<Buffer> {
  let batch: string[] = [];
  let size = 0;
  for (const line of lines) {
    batch.push(line, '\n');
    size += line.length + 1;
    if (size >= 1 << 20) {
      yield Buffer.from(batch.join(''));
      batch = [];
      size = 0;
    }
  }
  if (batch.length) yield Buffer.from(batch.join(''));
}

/** A document line of `bytes` bytes, produced a MiB at a time (never held whole). */
function* hugeLineChunks(bytes: number): Generator<Buffer> {
  const head = '{"_id":"huge","pad":"';
  const tail = '"}\n';
  let left = Math.max(0, bytes - head.length - tail.length + 1);
  yield Buffer.from(head);
  const mib = Buffer.alloc(1 << 20, 'a');
  while (left > 0) {
    const n = Math.min(left, mib.length);
    yield mib.subarray(0, n);
    left -= n;
  }
  yield Buffer.from(tail);
}

/**
 * Writes a snapshot ZIP in the real backend's entry order (reference section 6), deflated, 0644;
 * with `storage` (an export with --include-file-storage), the `_storage` index and every file last.
 * `hugeLineBytes` (a fault) appends one document line that long to the first table.
 */
export async function writeSnapshotZip(tables: TableLines[], outPath: string, storage?: { files: StoredFile[]; store: FileStore }, hugeLineBytes?: number): Promise<void> {
  const zip = new yazl.ZipFile();
  const opts = { mode: 0o100644, compress: true };
  zip.addBuffer(Buffer.from(README), 'README.md', opts);
  const mapping = tables.map((t) => `{"name":${JSON.stringify(t.name)},"id":${t.number}}\n`).join('');
  zip.addBuffer(Buffer.from(mapping), '_tables/documents.jsonl', opts);
  for (const [i, t] of [...tables].sort((a, b) => (a.name < b.name ? -1 : 1)).entries()) {
    const chunks = function* () {
      yield* lineChunks(t.lines);
      if (i === 0 && hugeLineBytes) yield* hugeLineChunks(hugeLineBytes);
    };
    // A real export streams, so local headers carry data descriptors: readers must use the central directory.
    zip.addReadStream(Readable.from(chunks()), `${t.name}/documents.jsonl`, opts);
    zip.addBuffer(Buffer.from('"uniform"\n'), `${t.name}/generated_schema.jsonl`, opts);
  }
  if (storage) {
    zip.addBuffer(Buffer.from(storage.files.map((f) => JSON.stringify(f) + '\n').join('')), '_storage/documents.jsonl', opts);
    for (const f of storage.files) zip.addFile(storage.store.blobPath(f._id), storageEntryName(f), opts);
  }
  zip.end();
  await pipeline(zip.outputStream, fs.createWriteStream(outPath));
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => yauzl.open(file, { lazyEntries: true, autoClose: true }, (err, zip) => (err ? reject(err) : resolve(zip))));
}

function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) return reject(err);
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', reject);
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    });
  });
}

function jsonlLines(buf: Buffer, where: string): string[] {
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) throw new Error(`${where} starts with a UTF-8 byte order mark, which Convex rejects in JSONL`);
  return buf.toString('utf8').split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.length > 0);
}

/** Visits every entry of a ZIP in order, one at a time; a visit that throws stops the reading with its error. */
async function eachEntry(file: string, visit: (name: string, read: () => Promise<Buffer>) => Promise<void>): Promise<void> {
  const zip = await openZip(file);
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      visit(entry.fileName, () => readEntry(zip, entry)).then(
        () => zip.readEntry(),
        (err: unknown) => {
          zip.close();
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
    zip.readEntry();
  });
}

/** Reads the tables of a snapshot ZIP the way the backend's importer does. */
export async function readSnapshotZip(file: string): Promise<ImportedTable[]> {
  const tables = new Map<string, string[]>();
  const numbers = new Map<string, number>();
  await eachEntry(file, async (name, read) => {
    if (name.startsWith('_components/')) throw new Error(`${name}: component tables are not supported by the Convex stand-in`);
    if (name === '_tables/documents.jsonl') {
      for (const line of jsonlLines(await read(), name)) {
        const m = JSON.parse(line) as { name: string; id: number };
        numbers.set(m.name, m.id);
      }
      return;
    }
    const table = /^([^/]+)\/documents\.jsonl$/.exec(name)?.[1];
    // System tables other than _tables (and _storage files) are skipped, like the real importer does.
    if (table && !table.startsWith('_')) tables.set(table, jsonlLines(await read(), name));
  });
  return [...tables].map(([name, lines]) => ({ name, number: numbers.get(name), lines }));
}

/** The `_storage` table of a snapshot ZIP: its index and each file's bytes (none when exported without storage). */
export async function readSnapshotStorage(file: string): Promise<ImportedStorage> {
  const files: StoredFile[] = [];
  const byEntry = new Map<string, Buffer>();
  await eachEntry(file, async (name, read) => {
    if (name === '_storage/documents.jsonl') {
      for (const line of jsonlLines(await read(), name)) files.push(JSON.parse(line) as StoredFile);
    } else if (name.startsWith('_storage/')) {
      byEntry.set(name, await read());
    }
  });
  const blobs = new Map<string, Buffer>();
  for (const f of files) {
    const bytes = byEntry.get(storageEntryName(f)) ?? [...byEntry].find(([n]) => n.startsWith(`_storage/${f._id}`))?.[1];
    if (bytes) blobs.set(f._id, bytes);
  }
  return { files, blobs };
}

/** A `.jsonl` upload for one table. */
export function readJsonLinesFile(file: string, table: string): ImportedTable[] {
  return [{ name: table, lines: jsonlLines(fs.readFileSync(file), file) }];
}

/** A `.json` upload for one table: a JSON array of documents, re-encoded line by line without losing types. */
export function readJsonArrayFile(file: string, table: string): ImportedTable[] {
  const value = parseExportJson(fs.readFileSync(file, 'utf8'));
  if (!Array.isArray(value)) throw new Error(`${file}: expected a JSON array of documents`);
  return [{ name: table, lines: value.map(encodeExportJson) }];
}
