import type { EntryKind } from './manifest';

export interface ClassifiedEntry {
  kind: EntryKind;
  /** Table name for documents/schema entries; components keep their `_components/<name>/` prefix. */
  table?: string;
}

/**
 * What a snapshot ZIP entry is, by its path, following the real backend's writer and importer:
 * `<table>/documents.jsonl`,
 * `<table>/generated_schema.jsonl`, `_tables/documents.jsonl`, `_storage/...`, and the same
 * layout under `_components/<name>/` (nested for sub-components).
 */
export function classifyEntry(path: string): ClassifiedEntry {
  if (path === 'README.md') return { kind: 'readme' };
  const m = /^((?:_components\/[^/]+\/)*)([^/]+)\/([^/]+)$/.exec(path);
  if (!m) return { kind: 'other' };
  const [, prefix = '', dir = '', file = ''] = m;
  if (dir === '_tables') return file === 'documents.jsonl' ? { kind: 'table-map' } : { kind: 'other' };
  if (dir === '_storage') return file === 'documents.jsonl' ? { kind: 'storage-index' } : { kind: 'storage-file' };
  if (dir.startsWith('_')) return { kind: 'other' };
  if (file === 'documents.jsonl') return { kind: 'documents', table: `${prefix}${dir}` };
  if (file === 'generated_schema.jsonl') return { kind: 'schema', table: `${prefix}${dir}` };
  return { kind: 'other' };
}

/** Table names listed in a `_tables/documents.jsonl` line (`{"name":"messages","id":10001}`). */
export function parseTableMapLine(line: string): { name: string; id: string } | undefined {
  const m = /^\{\s*"name"\s*:\s*("(?:[^"\\]|\\.)*")\s*,\s*"id"\s*:\s*(\d+)\s*\}$/.exec(line.trim());
  if (!m) return undefined;
  return { name: JSON.parse(m[1]!) as string, id: m[2]! };
}
