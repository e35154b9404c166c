import { bucketBounds, bucketIndex, distributionPercentile, type BucketOptions } from '../../domain/rollout/distribution';
import type { RequestLog, ServedRequest } from '../cloud-run/request-log';
import { matchesFilter, type FilterTerm } from './filter';

export const REQUEST_COUNT = 'run.googleapis.com/request_count';
export const REQUEST_LATENCIES = 'run.googleapis.com/request_latencies';
export const CLOUD_RUN_REVISION = 'cloud_run_revision';
/** The emulator's bucket layout for request_latencies, in ms: 1 ms growing by 25 % per bucket (past 20 minutes). */
export const LATENCY_BUCKETS: BucketOptions = { exponentialBuckets: { numFiniteBuckets: 64, growthFactor: 1.25, scale: 1 } };
/** Cloud Run samples its request metrics once a minute: raw points (no aggregation) are per minute. */
const SAMPLE_PERIOD_MS = 60_000;

export class QueryError extends Error {}

export interface TimeSeriesQuery {
  project: string;
  location: string;
  terms: FilterTerm[];
  startMs: number;
  endMs: number;
  aggregation?: { alignmentPeriodMs: number; aligner: string; reducer: string; groupByFields: string[] };
}

interface Labels {
  metricType: string;
  resourceType: string;
  metricLabels: Record<string, string>;
  resourceLabels: Record<string, string>;
}

type Value = { int64: number } | { double: number } | { distribution: number[]; count: number; sum: number };

interface SeriesOut extends Labels {
  valueType: 'INT64' | 'DOUBLE' | 'DISTRIBUTION';
  points: { startMs: number; endMs: number; value: Value }[];
}

function seriesLabels(metricType: string, r: ServedRequest, q: TimeSeriesQuery): Labels {
  return {
    metricType,
    resourceType: CLOUD_RUN_REVISION,
    metricLabels: { response_code: String(r.status), response_code_class: `${Math.floor(r.status / 100)}xx` },
    resourceLabels: { project_id: q.project, location: q.location, service_name: r.service, revision_name: r.revision, configuration_name: r.service },
  };
}

const BOUNDS = bucketBounds(LATENCY_BUCKETS);

function aggregate(metricType: string, requests: ServedRequest[]): Value {
  if (metricType === REQUEST_COUNT) return { int64: requests.length };
  const counts = new Array<number>(BOUNDS.length + 1).fill(0);
  let sum = 0;
  for (const r of requests) {
    counts[bucketIndex(BOUNDS, r.latencyMs)]!++;
    sum += r.latencyMs;
  }
  return { distribution: counts, count: requests.length, sum };
}

/** Periods ending at the interval's end, newest first, as aligned output is. */
function alignedPeriods(startMs: number, endMs: number, periodMs: number): [number, number][] {
  const out: [number, number][] = [];
  for (let end = endMs; end > startMs && out.length < 10_000; end -= periodMs) out.push([end - periodMs, end]);
  return out;
}

/** Raw points: Cloud Run's one-minute samples, on minute boundaries. */
function samplePeriods(startMs: number, endMs: number): [number, number][] {
  const out: [number, number][] = [];
  for (let end = Math.ceil(endMs / SAMPLE_PERIOD_MS) * SAMPLE_PERIOD_MS; end > startMs && out.length < 10_000; end -= SAMPLE_PERIOD_MS) out.push([end - SAMPLE_PERIOD_MS, end]);
  return out;
}

function align(value: Value, aligner: string, periodMs: number): { valueType: SeriesOut['valueType']; value: Value } {
  const isDist = 'distribution' in value;
  switch (aligner) {
    case 'ALIGN_NONE':
    case 'ALIGN_DELTA':
    case 'ALIGN_SUM':
      return { valueType: isDist ? 'DISTRIBUTION' : 'INT64', value };
    case 'ALIGN_RATE':
      if (isDist) throw new QueryError('ALIGN_RATE needs a numeric metric; request_latencies is a distribution');
      return { valueType: 'DOUBLE', value: { double: (value as { int64: number }).int64 / (periodMs / 1000) } };
    case 'ALIGN_PERCENTILE_50':
    case 'ALIGN_PERCENTILE_95':
    case 'ALIGN_PERCENTILE_99': {
      if (!isDist) throw new QueryError(`${aligner} needs a distribution metric such as request_latencies`);
      const p = Number(aligner.slice('ALIGN_PERCENTILE_'.length));
      return { valueType: 'DOUBLE', value: { double: distributionPercentile(BOUNDS, value.distribution, p) ?? 0 } };
    }
    default:
      throw new QueryError(`the sandbox's Cloud Monitoring does not implement aligner ${aligner}; it has ALIGN_NONE, ALIGN_DELTA, ALIGN_SUM, ALIGN_RATE and ALIGN_PERCENTILE_50/95/99`);
  }
}

function combine(a: Value, b: Value): Value {
  if ('int64' in a && 'int64' in b) return { int64: a.int64 + b.int64 };
  if ('double' in a && 'double' in b) return { double: a.double + b.double };
  if ('distribution' in a && 'distribution' in b) return { distribution: a.distribution.map((c, i) => c + (b.distribution[i] ?? 0)), count: a.count + b.count, sum: a.sum + b.sum };
  throw new QueryError('cannot reduce series of different value types');
}

function groupKey(s: Labels, fields: string[]): { key: string; labels: Labels } {
  const labels: Labels = { metricType: s.metricType, resourceType: s.resourceType, metricLabels: {}, resourceLabels: {} };
  for (const f of fields) {
    const name = f.replace(/\.label\./, '.labels.');
    if (name.startsWith('metric.labels.')) labels.metricLabels[name.slice(14)] = s.metricLabels[name.slice(14)] ?? '';
    else if (name.startsWith('resource.labels.')) labels.resourceLabels[name.slice(16)] = s.resourceLabels[name.slice(16)] ?? '';
    else throw new QueryError(`cannot group by ${f}: use metric.labels.NAME or resource.labels.NAME`);
  }
  return { key: JSON.stringify([labels.metricLabels, labels.resourceLabels]), labels };
}

function reduce(series: SeriesOut[], reducer: string, groupBy: string[]): SeriesOut[] {
  if (reducer === 'REDUCE_NONE') return series;
  if (reducer !== 'REDUCE_SUM') throw new QueryError(`the sandbox's Cloud Monitoring does not implement reducer ${reducer}; it has REDUCE_NONE and REDUCE_SUM`);
  const groups = new Map<string, SeriesOut>();
  for (const s of series) {
    const { key, labels } = groupKey(s, groupBy);
    const g = groups.get(key) ?? { ...labels, valueType: s.valueType, points: [] };
    for (const p of s.points) {
      const at = g.points.find((x) => x.endMs === p.endMs);
      if (at) at.value = combine(at.value, p.value);
      else g.points.push({ ...p });
    }
    groups.set(key, g);
  }
  for (const g of groups.values()) g.points.sort((a, b) => b.endMs - a.endMs);
  return [...groups.values()];
}

/**
 * ListTimeSeries over the routers' request log: one series per service, revision and response code
 * (as Cloud Run labels request_count and request_latencies), its points per minute or per
 * alignment period (only periods with requests have a point), then reduced across series.
 */
export function listTimeSeries(log: RequestLog, q: TimeSeriesQuery): SeriesOut[] {
  const metricType = q.terms.find((t) => t.field === 'metric.type' && !t.negated)?.value;
  if (metricType !== REQUEST_COUNT && metricType !== REQUEST_LATENCIES) {
    throw new QueryError(`the filter must name metric.type = "${REQUEST_COUNT}" or "${REQUEST_LATENCIES}" (the Cloud Run request metrics the sandbox records)`);
  }
  const bySeries = new Map<string, { labels: Labels; requests: ServedRequest[] }>();
  for (const r of log.between(q.startMs, q.endMs)) {
    const labels = seriesLabels(metricType, r, q);
    if (!matchesFilter(q.terms, labels)) continue;
    const key = `${r.service}/${r.revision}/${r.status}`;
    const entry = bySeries.get(key) ?? { labels, requests: [] };
    entry.requests.push(r);
    bySeries.set(key, entry);
  }
  const agg = q.aggregation;
  const aligner = agg?.aligner ?? 'ALIGN_NONE';
  const periodMs = aligner === 'ALIGN_NONE' ? SAMPLE_PERIOD_MS : (agg?.alignmentPeriodMs ?? 0);
  if (aligner !== 'ALIGN_NONE' && !(periodMs > 0)) throw new QueryError('aggregation.alignment_period is required with a per-series aligner');
  const periods = aligner === 'ALIGN_NONE' ? samplePeriods(q.startMs, q.endMs) : alignedPeriods(q.startMs, q.endMs, periodMs);
  const series: SeriesOut[] = [];
  for (const { labels, requests } of bySeries.values()) {
    const out: SeriesOut = { ...labels, valueType: metricType === REQUEST_COUNT ? 'INT64' : 'DISTRIBUTION', points: [] };
    for (const [start, end] of periods) {
      const inPeriod = requests.filter((r) => r.atMs > start && r.atMs <= end);
      if (inPeriod.length === 0) continue;
      const aligned = align(aggregate(metricType, inPeriod), aligner, periodMs);
      out.valueType = aligned.valueType;
      out.points.push({ startMs: start, endMs: end, value: aligned.value });
    }
    if (out.points.length) series.push(out);
  }
  if (aligner === 'ALIGN_NONE' && agg?.reducer && agg.reducer !== 'REDUCE_NONE') throw new QueryError('a cross-series reducer needs a per-series aligner');
  return reduce(series, agg?.reducer ?? 'REDUCE_NONE', agg?.groupByFields ?? []);
}

const timestamp = (ms: number) => ({ seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 });

/** A series as the google.monitoring.v3.TimeSeries message (plain object for the proto serializer). */
export function timeSeriesMessage(s: SeriesOut): object {
  return {
    metric: { type: s.metricType, labels: s.metricLabels },
    resource: { type: s.resourceType, labels: s.resourceLabels },
    metricKind: 'DELTA',
    valueType: s.valueType,
    unit: s.metricType === REQUEST_LATENCIES && s.valueType !== 'INT64' ? 'ms' : '1',
    points: s.points.map((p) => ({
      interval: { startTime: timestamp(p.startMs), endTime: timestamp(p.endMs) },
      value:
        'int64' in p.value
          ? { int64Value: String(p.value.int64) }
          : 'double' in p.value
            ? { doubleValue: p.value.double }
            : { distributionValue: { count: String(p.value.count), mean: p.value.count ? p.value.sum / p.value.count : 0, bucketOptions: LATENCY_BUCKETS, bucketCounts: p.value.distribution.map(String) } },
    })),
  };
}
