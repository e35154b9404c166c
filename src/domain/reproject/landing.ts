/** What a projection read found: the document the runtime wrote for an entity, if any. */
export interface ProjectionSighting {
  present: boolean;
  /** The document's `projected_at`, as the runtime stamped it. */
  projectedAt?: string;
  /** How it was read, e.g. `convex data run_summaries` or `query drillProjections:get`. */
  via: string;
}

/**
 * Level 2 of the replay drill: did this run's reprojection land in Convex?
 * - updated: present, stamped after the one seen before the reprojection and not before it started;
 * - missing: no document although the runtime reported a write;
 * - unchanged: the same document as before the reprojection (the write went nowhere);
 * - stale: a document older than the reprojection (by more than the clock skew tolerance).
 */
export type LandingStatus = 'updated' | 'missing' | 'unchanged' | 'stale';

export interface ProjectionLanding {
  status: LandingStatus;
  before?: string;
  after?: string;
  detail?: string;
}

export function decideLanding(input: { before: ProjectionSighting; after: ProjectionSighting; startedAtMs: number; clockSkewMs: number; where: string }): ProjectionLanding {
  const { before, after, where } = input;
  const base = { ...(before.projectedAt ? { before: before.projectedAt } : {}), ...(after.projectedAt ? { after: after.projectedAt } : {}) };
  if (!after.present) return { ...base, status: 'missing', detail: `no document ${where} in Convex (${after.via}) although the runtime reported a write` };
  if (before.present && before.projectedAt !== undefined && before.projectedAt === after.projectedAt) {
    return { ...base, status: 'unchanged', detail: `the document ${where} still has projected_at ${after.projectedAt ?? '(none)'} from before the reprojection: the runtime's write never reached Convex` };
  }
  const afterMs = after.projectedAt ? Date.parse(after.projectedAt) : NaN;
  const beforeMs = before.projectedAt ? Date.parse(before.projectedAt) : NaN;
  if (Number.isNaN(afterMs) || afterMs < input.startedAtMs - input.clockSkewMs || (!Number.isNaN(beforeMs) && afterMs <= beforeMs)) {
    return { ...base, status: 'stale', detail: `the document ${where} was projected at ${after.projectedAt ?? 'an unknown time'}, before this reprojection started: its write never reached Convex` };
  }
  return { ...base, status: 'updated' };
}
