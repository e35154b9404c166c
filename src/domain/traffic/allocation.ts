/**
 * A Cloud Run traffic allocation, exactly as the service's `traffic` field holds it: entry order,
 * types (LATEST or a named REVISION), percents and tags. A drill snapshots it before changing
 * anything and restores precisely this, so a service that followed LATEST still follows LATEST
 * afterwards.
 */
export type AllocationType = 'LATEST' | 'REVISION';

export interface TrafficEntry {
  type: AllocationType;
  /** Short revision id; only for REVISION entries. */
  revision?: string;
  percent: number;
  tag?: string;
}

export type TrafficAllocation = TrafficEntry[];

/** A traffic target as the API client hands it over: string or numeric enums, defaults filled in or absent. */
export interface RawTrafficTarget {
  type?: string | number | null;
  revision?: string | null;
  percent?: number | null;
  tag?: string | null;
}

/** The API gave us a traffic entry we cannot represent faithfully; restoring it would be a guess. */
export class TrafficParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrafficParseError';
  }
}

const LATEST_NAMES = new Set<string | number>(['TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', 'LATEST', 1]);
const REVISION_NAMES = new Set<string | number>(['TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', 'REVISION', 2]);

export function allocationType(raw: string | number | null | undefined): AllocationType | undefined {
  if (raw == null) return undefined;
  if (LATEST_NAMES.has(raw)) return 'LATEST';
  if (REVISION_NAMES.has(raw)) return 'REVISION';
  return undefined;
}

/** The last path segment: revision fields may hold a short id or a full resource name. */
export function shortRevisionName(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

export function toTrafficEntry(raw: RawTrafficTarget, where: string): TrafficEntry {
  const type = allocationType(raw.type);
  if (!type) throw new TrafficParseError(`${where}: unsupported traffic type ${JSON.stringify(raw.type ?? null)}`);
  const percent = raw.percent ?? 0;
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new TrafficParseError(`${where}: percent ${percent} is not an integer from 0 to 100`);
  const entry: TrafficEntry = { type, percent };
  if (type === 'REVISION') {
    if (!raw.revision) throw new TrafficParseError(`${where}: a REVISION entry without a revision`);
    entry.revision = shortRevisionName(raw.revision);
  }
  if (raw.tag) entry.tag = raw.tag;
  return entry;
}

/** The allocation a service's `traffic` field describes. An empty list is Cloud Run's default: LATEST at 100 %. */
export function snapshotAllocation(raw: readonly RawTrafficTarget[] | null | undefined): TrafficAllocation {
  const list = raw ?? [];
  if (list.length === 0) return [{ type: 'LATEST', percent: 100 }];
  return list.map((t, i) => toTrafficEntry(t, `traffic[${i}]`));
}

function entryKey(e: TrafficEntry): string {
  return JSON.stringify([e.type, e.revision ?? '', e.percent, e.tag ?? '']);
}

/**
 * Same routing intent: the same entries (type, revision, percent, tag), in any order, since Cloud
 * Run gives the order of `traffic` no meaning.
 */
export function allocationsEqual(a: TrafficAllocation, b: TrafficAllocation): boolean {
  if (a.length !== b.length) return false;
  const left = a.map(entryKey).sort();
  const right = b.map(entryKey).sort();
  return left.every((k, i) => k === right[i]);
}

export function percentTotal(a: TrafficAllocation): number {
  return a.reduce((sum, e) => sum + e.percent, 0);
}

/** One line for people: `LATEST 100%`, `oa-x-00010-kpf 90%, LATEST 10% #canary`. */
export function describeAllocation(a: TrafficAllocation): string {
  return a.map((e) => `${e.type === 'LATEST' ? 'LATEST' : e.revision} ${e.percent}%${e.tag ? ` #${e.tag}` : ''}`).join(', ');
}

/** The request form for the API client: string enums, empty strings for absent fields. */
export function toApiTraffic(a: TrafficAllocation): { type: string; revision: string; percent: number; tag: string }[] {
  return a.map((e) => ({
    type: e.type === 'LATEST' ? 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST' : 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION',
    revision: e.revision ?? '',
    percent: e.percent,
    tag: e.tag ?? '',
  }));
}
