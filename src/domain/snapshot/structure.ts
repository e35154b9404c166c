import type { ManifestEntry } from './manifest';

/**
 * Whole-snapshot rules once every entry was read: no duplicate paths, and every table that
 * `_tables/documents.jsonl` lists has its `documents.jsonl` (a real export writes both). Returns
 * problems that fail verification and warnings that do not.
 */
export function checkSnapshotStructure(entries: ManifestEntry[], listedTables: string[] | undefined): { problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.path)) problems.push(`entry ${e.path} appears twice`);
    seen.add(e.path);
  }
  const documents = new Set(entries.filter((e) => e.kind === 'documents').map((e) => e.table));
  const schemas = new Set(entries.filter((e) => e.kind === 'schema').map((e) => e.table));
  if (listedTables === undefined) {
    warnings.push('no _tables/documents.jsonl: table numbers will not be kept on import (a snapshot from `convex export` always has it)');
  } else {
    for (const t of listedTables) {
      if (!documents.has(t)) problems.push(`table ${t} is listed in _tables/documents.jsonl but ${t}/documents.jsonl is missing: the snapshot is incomplete`);
    }
  }
  for (const t of documents) {
    if (!schemas.has(t)) warnings.push(`table ${t} has no generated_schema.jsonl: the importer reads it with older, lossy rules`);
  }
  if (documents.size === 0 && entries.length > 0) warnings.push('the snapshot holds no tables');
  return { problems, warnings };
}
