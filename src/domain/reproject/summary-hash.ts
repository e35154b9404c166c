import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';

/**
 * Fields that say when or where a document was written, not what history says: `projected_at`
 * (the runtime's own rule), and what a store adds: Convex system
 * fields and the projection key the sink upserts by.
 */
export const NON_CONTENT_FIELDS = ['projected_at', '_id', '_creationTime', 'key'] as const;

export function summaryContent(doc: Record<string, unknown>): Record<string, unknown> {
  const content: Record<string, unknown> = { ...doc };
  for (const field of NON_CONTENT_FIELDS) delete content[field];
  return content;
}

/** SHA-256 (hex) of the canonicalised summary without its non-content fields. */
export function summaryHash(doc: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(summaryContent(doc))).digest('hex');
}
