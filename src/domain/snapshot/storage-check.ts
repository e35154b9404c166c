import { createHash } from 'node:crypto';
import type { ManifestEntry, SnapshotStorage } from './manifest';

interface IndexRow {
  _id: string;
  sha256: string;
  size: number;
}

/**
 * Checks a snapshot's file storage: every file `_storage/documents.jsonl` lists is in the ZIP as
 * `_storage/<id>[.ext]` with the size and SHA-256 the index records (base64 there, as the backend
 * writes it), and no file is unlisted. A flipped byte in a stored file fails here even when the
 * ZIP itself is intact. Returns the problems and, without problems, the storage summary.
 */
export function checkSnapshotStorage(entries: ManifestEntry[], indexText: string | undefined): { problems: string[]; storage?: SnapshotStorage } {
  const files = entries.filter((e) => e.kind === 'storage-file');
  if (indexText === undefined) {
    return files.length ? { problems: [`${files.length} file(s) under _storage/ but no _storage/documents.jsonl to say what they are`] } : { problems: [] };
  }
  const problems: string[] = [];
  const rows: IndexRow[] = [];
  for (const [i, line] of indexText.split('\n').entries()) {
    if (!line.trim()) continue;
    try {
      const row = JSON.parse(line) as Partial<IndexRow>;
      if (typeof row._id !== 'string' || typeof row.sha256 !== 'string' || typeof row.size !== 'number') throw new Error('missing _id, sha256 or size');
      rows.push(row as IndexRow);
    } catch (err) {
      problems.push(`_storage/documents.jsonl line ${i + 1} is not a file record (${(err as Error).message})`);
    }
  }
  const byId = new Map(files.map((e) => [/^_storage\/([^./]+)/.exec(e.path)?.[1] ?? e.path, e]));
  const digests: string[] = [];
  for (const row of rows) {
    const entry = byId.get(row._id);
    byId.delete(row._id);
    if (!entry) {
      problems.push(`stored file ${row._id} is listed in _storage/documents.jsonl but missing from the snapshot`);
      continue;
    }
    const expected = Buffer.from(row.sha256, 'base64').toString('hex');
    if (entry.bytes !== row.size) problems.push(`stored file ${entry.path} has ${entry.bytes} bytes, its record says ${row.size}`);
    else if (entry.sha256 !== expected) problems.push(`stored file ${entry.path} is corrupted: its SHA-256 is ${entry.sha256}, its record says ${expected}`);
    digests.push(`${row._id}:${entry.sha256}`);
  }
  for (const e of byId.values()) problems.push(`${e.path} is not listed in _storage/documents.jsonl`);
  if (problems.length) return { problems };
  digests.sort();
  return {
    problems,
    storage: {
      files: rows.length,
      bytes: rows.reduce((n, r) => n + r.size, 0),
      digest: createHash('sha256').update(digests.join('\n')).digest('hex'),
    },
  };
}
