import type { SnapshotStorage, SnapshotTable } from './manifest';

export interface TableComparison {
  name: string;
  sourceDocuments: number | null;
  restoredDocuments: number | null;
  /** Same count and same document bytes (in any order). */
  equal: boolean;
}

export interface ManifestComparison {
  equal: boolean;
  tables: TableComparison[];
  /** Each difference, in words a user can act on. */
  mismatches: string[];
  /** Differences that do not make the restore wrong (e.g. another document order). */
  notes: string[];
}

export type ComparisonScope =
  /** Every table on either side must match (true restore into an emptied deployment). */
  | 'all'
  /** Only the snapshot's tables must match (`--replace` leaves other tables alone). */
  | 'snapshot-tables';

/**
 * Compares the snapshot's tables with an export taken after the restore: same tables, same
 * document counts, same document bytes. A table that exists on one side only counts as equal
 * when it is empty, since backends differ in whether they keep emptied tables.
 */
export function compareManifests(source: { tables: SnapshotTable[]; storage?: SnapshotStorage }, restored: { tables: SnapshotTable[]; storage?: SnapshotStorage }, scope: ComparisonScope = 'all'): ManifestComparison {
  const src = new Map(source.tables.map((t) => [t.name, t]));
  const dst = new Map(restored.tables.map((t) => [t.name, t]));
  const names = [...new Set([...src.keys(), ...(scope === 'all' ? dst.keys() : [])])].sort();
  const mismatches: string[] = [];
  const notes: string[] = [];
  const tables = names.map((name): TableComparison => {
    const a = src.get(name);
    const b = dst.get(name);
    const row = { name, sourceDocuments: a?.documents ?? null, restoredDocuments: b?.documents ?? null };
    if (!a || !b) {
      const present = (a ?? b)!;
      if (present.documents === 0) {
        notes.push(`table ${name} is empty and exists only ${a ? 'in the snapshot' : 'after the restore'}`);
        return { ...row, equal: true };
      }
      mismatches.push(a ? `table ${name}: ${a.documents} documents in the snapshot, missing after the restore` : `table ${name}: not in the snapshot, but has ${b!.documents} documents after the restore`);
      return { ...row, equal: false };
    }
    if (a.documents !== b.documents) {
      mismatches.push(`table ${name}: ${a.documents} documents in the snapshot, ${b.documents} after the restore`);
      return { ...row, equal: false };
    }
    if (a.documentsDigest !== b.documentsDigest) {
      mismatches.push(`table ${name}: same count (${a.documents}) but different document bytes after the restore`);
      return { ...row, equal: false };
    }
    if (a.sha256 !== b.sha256) notes.push(`table ${name}: same documents, exported in a different order`);
    return { ...row, equal: true };
  });
  // File storage: the restore holds the snapshot's files, byte for byte (a restore test without
  // storage in the snapshot says nothing about files, so it is not compared then).
  if (source.storage) {
    const a = source.storage;
    const b = restored.storage ?? { files: 0, bytes: 0, digest: '' };
    if (a.files !== b.files) mismatches.push(`file storage: ${a.files} files in the snapshot, ${b.files} after the restore`);
    else if (a.digest !== b.digest) mismatches.push(`file storage: same number of files (${a.files}) but different bytes after the restore`);
  }
  return { equal: mismatches.length === 0, tables, mismatches, notes };
}
