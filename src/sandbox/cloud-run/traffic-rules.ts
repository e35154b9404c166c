import { LATEST, REVISION, type ApiTrafficTarget } from './api-types';

const TAG_PATTERN = /^[a-z]([-a-z0-9]{0,44}[a-z0-9])?$/;

/**
 * The emulator's own validation of a requested traffic list (messages are the emulator's, not
 * Cloud Run's). Returns a description of the first problem, or undefined when the list is valid.
 */
export function trafficProblem(traffic: ApiTrafficTarget[], knownRevisions: ReadonlySet<string>): string | undefined {
  let sum = 0;
  const tags = new Set<string>();
  for (const [i, t] of traffic.entries()) {
    const at = `traffic[${i}]`;
    if (t.type === LATEST) {
      if (t.revision) return `${at}: a LATEST target must not name a revision (got "${t.revision}")`;
    } else if (t.type === REVISION) {
      if (!t.revision) return `${at}: a REVISION target needs a revision`;
      if (t.revision.includes('/')) return `${at}: revision must be the short revision id, not a resource name (got "${t.revision}")`;
      if (!knownRevisions.has(t.revision)) return `${at}: revision "${t.revision}" does not exist in this service`;
    } else {
      return `${at}: type must be TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST or _REVISION`;
    }
    if (!Number.isInteger(t.percent) || t.percent < 0 || t.percent > 100) return `${at}: percent must be an integer from 0 to 100 (got ${t.percent})`;
    if (t.tag) {
      if (!TAG_PATTERN.test(t.tag)) return `${at}: tag "${t.tag}" must be lowercase letters, digits and dashes, starting with a letter`;
      if (tags.has(t.tag)) return `${at}: tag "${t.tag}" is used twice`;
      tags.add(t.tag);
    }
    sum += t.percent;
  }
  if (traffic.length > 0 && sum !== 100) return `traffic percents must add up to 100 (got ${sum})`;
  return undefined;
}

/** Where requests go once an allocation is live: percent per concrete revision, and tag to revision. */
export interface RoutingTable {
  weights: { revision: string; percent: number }[];
  tags: Record<string, string>;
}

/** Resolves LATEST to the latest Ready revision and merges entries for the same revision. */
export function routingFor(traffic: ApiTrafficTarget[], latestReadyRevision: string): RoutingTable {
  const weights = new Map<string, number>();
  const tags: Record<string, string> = {};
  for (const t of traffic) {
    const revision = t.type === LATEST ? latestReadyRevision : t.revision;
    if (t.percent > 0) weights.set(revision, (weights.get(revision) ?? 0) + t.percent);
    if (t.tag) tags[t.tag] = revision;
  }
  return { weights: [...weights].map(([revision, percent]) => ({ revision, percent })), tags };
}

/** An empty traffic list means what Cloud Run does by default: everything to the latest Ready revision. */
export function effectiveTraffic(traffic: ApiTrafficTarget[]): ApiTrafficTarget[] {
  return traffic.length > 0 ? traffic : [{ type: LATEST, revision: '', percent: 100, tag: '' }];
}
