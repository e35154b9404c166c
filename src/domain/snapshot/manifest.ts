import { z } from 'zod';
import { MANIFEST_VERSION } from './manifest-version';

export { MANIFEST_VERSION };

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

/** What an entry of a snapshot ZIP holds, by its path (see entry-path.ts). */
export const EntryKindSchema = z.enum(['readme', 'table-map', 'documents', 'schema', 'storage-index', 'storage-file', 'other']);
export type EntryKind = z.infer<typeof EntryKindSchema>;

export const ManifestEntrySchema = z.object({
  path: z.string(),
  kind: EntryKindSchema,
  /** For documents and schema entries: the table (with its `_components/<c>/` prefix for components). */
  table: z.string().optional(),
  bytes: z.number().int().nonnegative(),
  compressedBytes: z.number().int().nonnegative(),
  crc32: z.string().regex(/^[0-9a-f]{8}$/),
  sha256: Sha256Hex,
  /** documents.jsonl only: number of documents (lines). */
  documents: z.number().int().nonnegative().optional(),
  /** documents.jsonl only: order-independent digest of the document lines (multiset-digest.ts). */
  documentsDigest: Sha256Hex.optional(),
});
export type ManifestEntry = z.infer<typeof ManifestEntrySchema>;

export const SnapshotTableSchema = z.object({
  name: z.string(),
  documents: z.number().int().nonnegative(),
  /** SHA-256 of the table's documents.jsonl as stored (order-sensitive). */
  sha256: Sha256Hex,
  /** Same documents in any order give the same digest. */
  documentsDigest: Sha256Hex,
  bytes: z.number().int().nonnegative(),
});
export type SnapshotTable = z.infer<typeof SnapshotTableSchema>;

/** Convex file storage in a snapshot (exported with --include-file-storage). */
export const SnapshotStorageSchema = z.object({
  files: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  /** SHA-256 over the sorted `<id>:<sha256 of the file>` pairs: same files, same bytes, same digest. */
  digest: Sha256Hex,
});
export type SnapshotStorage = z.infer<typeof SnapshotStorageSchema>;

/** Written next to each snapshot as `<snapshot>.manifest.json`. */
export const SnapshotManifestSchema = z.object({
  manifestVersion: z.literal(MANIFEST_VERSION),
  snapshot: z.string(),
  zipBytes: z.number().int().nonnegative(),
  zipSha256: Sha256Hex,
  verifiedAt: z.string(),
  tables: z.array(SnapshotTableSchema),
  totalDocuments: z.number().int().nonnegative(),
  /** Absent when the snapshot holds no file storage. */
  storage: SnapshotStorageSchema.optional(),
  entries: z.array(ManifestEntrySchema),
  warnings: z.array(z.string()),
});
export type SnapshotManifest = z.infer<typeof SnapshotManifestSchema>;

/** The part of a manifest a workflow carries (no per-entry list, so history stays small). */
export type SnapshotSummary = Omit<SnapshotManifest, 'entries'> & { zipPath: string; manifestPath: string };

export function summarizeManifest(m: SnapshotManifest, zipPath: string, manifestPath: string): SnapshotSummary {
  const { entries: _entries, ...rest } = m;
  return { ...rest, zipPath, manifestPath };
}
