import { allocationsEqual, type AllocationType, type TrafficAllocation } from './allocation';

/** What Cloud Run reports as actually routed (`traffic_statuses`), LATEST resolved where it could be. */
export interface TrafficStatus {
  type: AllocationType;
  /** The revision receiving this share; empty when the API did not resolve a LATEST entry. */
  revision: string;
  percent: number;
  tag?: string;
  /** The tag's own URL. */
  uri?: string;
}

/** A service as one GetService saw it, reduced to what traffic decisions need. */
export interface ServiceSnapshot {
  service: string;
  uri: string;
  etag: string;
  generation: number;
  observedGeneration: number;
  reconciling: boolean;
  /** The service's Ready (terminal) condition. */
  ready: boolean;
  readyDetail: string;
  traffic: TrafficAllocation;
  trafficStatuses: TrafficStatus[];
  latestReadyRevision?: string;
  latestCreatedRevision?: string;
}

export interface RevisionInfo {
  /** Short revision id. */
  name: string;
  createTimeMs: number;
  ready: boolean;
  readyDetail: string;
  /** The image of its first (ingress) container, when the API returned one. */
  image?: string;
}

export interface ServingShare {
  revision: string;
  percent: number;
}

/**
 * The revisions that receive traffic right now, with their share, from `traffic_statuses`
 * (LATEST entries without a resolved revision fall back to latest_ready_revision).
 */
export function servingShares(s: ServiceSnapshot): ServingShare[] {
  const shares = new Map<string, number>();
  for (const st of s.trafficStatuses) {
    if (st.percent <= 0) continue;
    const revision = st.revision || (st.type === 'LATEST' ? (s.latestReadyRevision ?? '') : '');
    if (!revision) continue;
    shares.set(revision, (shares.get(revision) ?? 0) + st.percent);
  }
  return [...shares].map(([revision, percent]) => ({ revision, percent }));
}

/** `oa-x-00011-v4r` or `oa-x-00011-v4r 90%, oa-x-00010-kpf 10%`. */
export function describeServing(shares: ServingShare[]): string {
  if (shares.length === 0) return '(nothing serving)';
  if (shares.length === 1 && shares[0]?.percent === 100) return shares[0].revision;
  return shares.map((s) => `${s.revision} ${s.percent}%`).join(', ');
}

/** Statuses and spec describe the same routing (LATEST entries compared by type, not by revision). */
function statusesMatchSpec(s: ServiceSnapshot): boolean {
  const fromStatuses: TrafficAllocation = s.trafficStatuses.map((st) => ({
    type: st.type,
    ...(st.type === 'REVISION' ? { revision: st.revision } : {}),
    percent: st.percent,
    ...(st.tag ? { tag: st.tag } : {}),
  }));
  return allocationsEqual(fromStatuses, s.traffic);
}

/**
 * A traffic change has landed on the control plane: not reconciling, the latest generation observed,
 * Ready, and what is routed matches what was asked for.
 */
export function trafficSettled(s: ServiceSnapshot): boolean {
  return !s.reconciling && s.observedGeneration >= s.generation && s.ready && statusesMatchSpec(s);
}

/** Newest first, by creation time (never by list order: the API does not promise one). */
export function newestFirst(revisions: readonly RevisionInfo[]): RevisionInfo[] {
  return [...revisions].sort((a, b) => b.createTimeMs - a.createTimeMs || b.name.localeCompare(a.name));
}
