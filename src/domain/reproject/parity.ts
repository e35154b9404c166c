/**
 * Parity between the projection that is live in Convex and the summary recomputed from history:
 * - match: same content hash, written by this replay;
 * - drift: the live document says something history does not;
 * - missing: no document although the runtime reported a write;
 * - stale: same content, but older than the replay, so the replay's write never arrived.
 */
export type ParityStatus = 'match' | 'drift' | 'missing' | 'stale';

export interface ProjectionParity {
  status: ParityStatus;
  expectedHash: string;
  actualHash?: string;
  /** Fields whose values differ, with both sides, for the drift message. */
  differences: { field: string; history: string; convex: string }[];
  projectedAt?: string;
}

function show(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Top-level fields whose values differ (nested values compared as canonical JSON by the caller). */
export function projectionDifferences(
  history: Record<string, unknown>,
  convex: Record<string, unknown>,
  same: (a: unknown, b: unknown) => boolean,
): ProjectionParity['differences'] {
  const fields = [...new Set([...Object.keys(history), ...Object.keys(convex)])].sort();
  return fields.filter((f) => !same(history[f], convex[f])).map((field) => ({ field, history: show(history[field]), convex: show(convex[field]) }));
}

/**
 * Decides parity. `notBeforeMs` is when the replay started (worker clock); a document projected
 * more than `clockSkewMs` before it did not come from this replay.
 */
export function decideParity(input: {
  expectedHash: string;
  actualHash?: string;
  differences: ProjectionParity['differences'];
  projectedAt?: string;
  notBeforeMs?: number;
  clockSkewMs: number;
}): ProjectionParity {
  const base = { expectedHash: input.expectedHash, actualHash: input.actualHash, differences: input.differences, projectedAt: input.projectedAt };
  if (input.actualHash === undefined) return { ...base, status: 'missing' };
  if (input.actualHash !== input.expectedHash) return { ...base, status: 'drift' };
  if (input.notBeforeMs !== undefined) {
    const projectedMs = input.projectedAt ? Date.parse(input.projectedAt) : NaN;
    if (Number.isNaN(projectedMs) || projectedMs < input.notBeforeMs - input.clockSkewMs) return { ...base, status: 'stale' };
  }
  return { ...base, status: 'match' };
}
