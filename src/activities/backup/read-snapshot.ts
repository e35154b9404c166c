import crypto from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { classifyEntry, parseTableMapLine } from '../../domain/snapshot/entry-path';
import type { ManifestEntry, SnapshotManifest, SnapshotTable } from '../../domain/snapshot/manifest';
import { MANIFEST_VERSION } from '../../domain/snapshot/manifest-version';
import { checkSnapshotStorage } from '../../domain/snapshot/storage-check';
import { checkSnapshotStructure } from '../../domain/snapshot/structure';
import { openEntryData } from './inflate-entry';
import { LineThreads } from './entry-lines';
import { hashFileOnThread, type LineDigest } from './snapshot-threads';

/** A snapshot that cannot be trusted, with every reason found and the next step. */
export class SnapshotInvalidError extends Error {
  constructor(
    readonly snapshot: string,
    readonly reasons: string[],
  ) {
    super(`snapshot ${snapshot} failed verification: ${reasons.join('; ')}. Do not restore from it: export a new snapshot`);
    this.name = 'SnapshotInvalidError';
  }
}

export interface ReadProgress {
  step: 'hashing' | 'entries';
  bytesDone: number;
  bytesTotal: number;
  entriesDone: number;
  entriesTotal: number;
  /** Entries fully read so far: a retry can skip them. */
  entries: ManifestEntry[];
  zipSha256?: string;
}

export interface ReadSnapshotOptions {
  /** Called often while reading (the caller throttles heartbeats). */
  onProgress?: (p: ReadProgress) => void;
  /** Progress of an earlier attempt on the same file, to resume instead of starting over. */
  resume?: Pick<ReadProgress, 'entries' | 'zipSha256' | 'bytesTotal'>;
  signal?: AbortSignal;
  /** A documents entry with a longer line is refused (backup.maxDocumentLineBytes, at least 1 MiB); default: no bound. */
  maxLineBytes?: number;
}

/** Explains a yauzl/zlib error in terms of what happened to the file. */
function explainZipError(err: Error): string {
  const m = err.message;
  if (/end of central directory record signature not found/i.test(m)) return 'it is truncated or not a ZIP file: no end-of-central-directory record (a download cut short leaves exactly this)';
  if (/central directory file header signature|invalid comment length|extends past end of file|entry count|offset/i.test(m)) return `its central directory is damaged (${m})`;
  if (/local file header signature/.test(m)) return `an entry's data is missing or overwritten (${m})`;
  return m;
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false, decodeStrings: true }, (err, zip) => (err ? reject(err) : resolve(zip))),
  );
}

interface EntryReadResult {
  entry: ManifestEntry;
  problems: string[];
  tableMap?: string[];
  schemaFirstLine?: string;
  storageIndex?: string;
}

async function readEntry(zip: yauzl.ZipFile, file: string, entry: yauzl.Entry, lineThreads: () => LineThreads, onBytes: (n: number) => void): Promise<EntryReadResult> {
  const path = entry.fileName;
  const { kind, table } = classifyEntry(path);
  const sha = crypto.createHash('sha256');
  let crc = 0;
  let bytes = 0;
  const problems: string[] = [];
  // A documents entry's lines are digested on other threads while this one hashes.
  let failLines: (err: Error) => void = () => undefined;
  const lines = kind === 'documents' ? lineThreads().begin(path, (err) => failLines(err)) : undefined;
  // Small entries whose content matters beyond its hash are kept (bounded) for the structure check.
  const keep = kind === 'table-map' || kind === 'schema' || kind === 'storage-index' ? ([] as Buffer[]) : undefined;
  const keepLimit = kind === 'storage-index' ? 64 << 20 : 1 << 20;
  let kept = 0;
  const take = (chunk: Buffer): void => {
    sha.update(chunk);
    crc = zlib.crc32(chunk, crc);
    bytes += chunk.length;
    lines?.push(chunk);
    if (keep && kept < keepLimit) {
      keep.push(chunk);
      kept += chunk.length;
    }
    onBytes(chunk.length);
  };
  const stream = await openEntryData(zip, file, entry);
  await new Promise<void>((resolve, reject) => {
    failLines = (err) => {
      stream.destroy();
      reject(err);
    };
    // One chunk is hashed per turn of the event loop, never inside zlib's callback: zlib's
    // completion callbacks run between chunks and keep the thread pool inflating meanwhile. A
    // bounded queue (and the lines thread's bound) keeps memory flat.
    const queue: Buffer[] = [];
    let ended = false;
    let paused = false;
    const drain = (): void => {
      if (lines?.busy) return lines.whenReady(() => setImmediate(drain));
      take(queue.shift()!);
      if (queue.length) setImmediate(drain);
      else if (ended) resolve();
      if (paused && queue.length < 2) {
        paused = false;
        stream.resume();
      }
    };
    stream.on('data', (chunk: Buffer) => {
      if (queue.push(chunk) === 1) setImmediate(drain);
      if (queue.length >= 4 && !paused) {
        paused = true;
        stream.pause();
      }
    });
    stream.on('error', (err: Error) => reject(new Error(`entry ${path} cannot be read: ${explainZipError(err)}`, { cause: err })));
    stream.on('end', () => {
      ended = true;
      if (!queue.length) resolve();
    });
  });
  if ((crc >>> 0) !== entry.crc32 >>> 0) {
    problems.push(`entry ${path} is corrupted: its CRC-32 is ${(crc >>> 0).toString(16).padStart(8, '0')}, the ZIP records ${(entry.crc32 >>> 0).toString(16).padStart(8, '0')}`);
  }
  const out: ManifestEntry = {
    path,
    kind,
    ...(table !== undefined ? { table } : {}),
    bytes,
    compressedBytes: entry.compressedSize,
    crc32: (entry.crc32 >>> 0).toString(16).padStart(8, '0'),
    sha256: sha.digest('hex'),
  };
  if (lines) {
    const scan: LineDigest = await lines.end();
    problems.push(...scan.problems);
    out.documents = scan.documents;
    out.documentsDigest = scan.documentsDigest;
  }
  const text = keep ? Buffer.concat(keep).toString('utf8') : undefined;
  return {
    entry: out,
    problems,
    tableMap: kind === 'table-map' ? text!.split('\n').filter((l) => l.trim()).map((l) => parseTableMapLine(l)?.name ?? `(unreadable line ${JSON.stringify(l.slice(0, 60))})`) : undefined,
    schemaFirstLine: kind === 'schema' ? text!.split('\n')[0]?.trim() : undefined,
    storageIndex: kind === 'storage-index' ? text : undefined,
  };
}

/**
 * Verifies a snapshot ZIP by streaming it: SHA-256 of the file (on its own thread) while every
 * entry is read through the central directory (a real export's local headers carry data
 * descriptors) with its SHA-256, CRC-32 check, and for each table the document count and an
 * order-independent digest (lines digested on another thread). Memory stays flat whatever the
 * size: a few 1 MiB chunks (inflate-entry.ts, snapshot-threads.ts) and one line at a time.
 */
export async function readSnapshotManifest(zipPath: string, snapshotName: string, opts: ReadSnapshotOptions = {}): Promise<SnapshotManifest> {
  let bytesTotal: number;
  try {
    bytesTotal = fs.statSync(zipPath).size;
  } catch (err) {
    throw new SnapshotInvalidError(zipPath, [`the file cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`]);
  }
  if (bytesTotal === 0) throw new SnapshotInvalidError(zipPath, ['the file is empty']);
  const resume = opts.resume && opts.resume.bytesTotal === bytesTotal ? opts.resume : undefined;
  const progress: ReadProgress = { step: 'hashing', bytesDone: 0, bytesTotal, entriesDone: 0, entriesTotal: 0, entries: [], zipSha256: resume?.zipSha256 };
  const report = (): void => opts.onProgress?.(progress);

  // The file's SHA-256 is computed on another thread while the entries are read (see snapshot-threads.ts).
  const stopHashing = new AbortController();
  const hashing = progress.zipSha256
    ? Promise.resolve(progress.zipSha256)
    : hashFileOnThread(zipPath, bytesTotal, opts.signal ? AbortSignal.any([opts.signal, stopHashing.signal]) : stopHashing.signal).then((sha) => {
        progress.zipSha256 = sha;
        report();
        return sha;
      });
  hashing.catch(() => undefined); // awaited after the entries; a failure there must not go unhandled meanwhile
  progress.step = 'entries';
  report();
  let lines: LineThreads | undefined;
  try {
    return await readEntries({ zipPath, snapshotName, bytesTotal, progress, report, resume, lineThreads: () => (lines ??= new LineThreads(opts.maxLineBytes)), hashing, signal: opts.signal });
  } finally {
    stopHashing.abort();
    await lines?.close();
  }
}

interface EntriesRead {
  zipPath: string;
  snapshotName: string;
  bytesTotal: number;
  progress: ReadProgress;
  report: () => void;
  resume: ReadSnapshotOptions['resume'];
  /** The threads that digest document lines, started on first use. */
  lineThreads: () => LineThreads;
  /** The file's SHA-256, under way on its own thread. */
  hashing: Promise<string>;
  signal?: AbortSignal;
}

/** Reads every entry through the central directory and checks the structure, then completes the manifest. */
async function readEntries({ zipPath, snapshotName, bytesTotal, progress, report, resume, lineThreads, hashing, signal }: EntriesRead): Promise<SnapshotManifest> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(zipPath);
  } catch (err) {
    throw new SnapshotInvalidError(zipPath, [explainZipError(err as Error)]);
  }
  progress.entriesTotal = zip.entryCount;
  const done = new Map((resume?.entries ?? []).map((e) => [`${e.path}\0${e.compressedBytes}\0${e.crc32}`, e]));
  const problems: string[] = [];
  const warnings: string[] = [];
  let tableMap: string[] | undefined;
  let storageIndex: string | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (err: Error) => reject(err));
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        if (signal?.aborted) return reject(signal.reason as Error);
        if (entry.fileName.endsWith('/')) return zip.readEntry();
        const key = `${entry.fileName}\0${entry.compressedSize}\0${(entry.crc32 >>> 0).toString(16).padStart(8, '0')}`;
        const previous = done.get(key);
        // Entries whose content the structure check needs are re-read; they are small.
        const reuse = previous && previous.kind !== 'table-map' && previous.kind !== 'schema' && previous.kind !== 'storage-index';
        const work: Promise<EntryReadResult> = reuse
          ? Promise.resolve({ entry: previous, problems: [] })
          : readEntry(zip, zipPath, entry, lineThreads, (n) => {
              progress.bytesDone += n;
              report();
            });
        work.then(
          (r) => {
            problems.push(...r.problems);
            if (r.tableMap) tableMap = r.tableMap;
            if (r.storageIndex !== undefined) storageIndex = r.storageIndex;
            if (r.schemaFirstLine !== undefined && r.schemaFirstLine !== '"uniform"') {
              warnings.push(`${r.entry.path} is not "uniform" (${r.schemaFirstLine.slice(0, 40)}): the importer reads that table with older rules`);
            }
            progress.entries.push(r.entry);
            progress.entriesDone++;
            report();
            zip.readEntry();
          },
          (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))),
        );
      });
      zip.readEntry();
    });
  } catch (err) {
    throw new SnapshotInvalidError(zipPath, [...problems, explainZipError(err as Error)]);
  } finally {
    zip.close();
  }
  const structure = checkSnapshotStructure(progress.entries, tableMap);
  problems.push(...structure.problems);
  warnings.push(...structure.warnings);
  const storage = checkSnapshotStorage(progress.entries, storageIndex);
  problems.push(...storage.problems);
  if (problems.length) throw new SnapshotInvalidError(zipPath, problems);
  const zipSha256 = await hashing;

  const tables: SnapshotTable[] = progress.entries
    .filter((e) => e.kind === 'documents')
    .map((e) => ({ name: e.table!, documents: e.documents!, sha256: e.sha256, documentsDigest: e.documentsDigest!, bytes: e.bytes }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    manifestVersion: MANIFEST_VERSION,
    snapshot: snapshotName,
    zipBytes: bytesTotal,
    zipSha256,
    verifiedAt: new Date().toISOString(),
    tables,
    totalDocuments: tables.reduce((n, t) => n + t.documents, 0),
    ...(storage.storage ? { storage: storage.storage } : {}),
    entries: progress.entries,
    warnings,
  };
}
