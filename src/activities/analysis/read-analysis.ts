import { Context, heartbeat } from '@temporalio/activity';
import type { AnalysisReading, AnalysisRequest, MetricReading, MetricRequest, ProbeReading, ProbeRequest } from '../../domain/rollout/analysis';
import type { Config } from '../../domain/config/schema';
import { endpointFor, type Endpoint } from '../../domain/rollout/config-section';
import { percentile, readMetricValue } from '../../domain/rollout/readings';
import type { SecretRef } from '../../domain/secret-ref';
import { resolveSecret } from '../secrets';
import { readRevisionMetric } from './read-revision-metric';

function beat(details: unknown): void {
  try {
    Context.current();
  } catch {
    return;
  }
  heartbeat(details);
}

function failureText(err: unknown): string {
  const e = err as Error & { cause?: Error };
  if (e?.name === 'TimeoutError') return 'timed out';
  return e?.cause?.message ?? e?.message ?? String(err);
}

async function readProbe(req: ProbeRequest): Promise<ProbeReading> {
  const reading: ProbeReading = { kind: 'probe', check: req.check, samples: req.samples, successes: 0, wrongRevision: 0 };
  if (!req.url) return { ...reading, lastError: 'Cloud Run reported no URL for this tag' };
  const expected = req.expectRevisions ? new Set(req.expectRevisions) : undefined;
  const latencies: number[] = [];
  for (let i = 0; i < req.samples; i++) {
    const t0 = performance.now();
    try {
      const res = await fetch(req.url, { redirect: 'manual', signal: AbortSignal.timeout(req.timeoutMs), headers: { 'cache-control': 'no-cache' } });
      await res.arrayBuffer();
      latencies.push(performance.now() - t0);
      const revision = req.revisionHeader ? (res.headers.get(req.revisionHeader) ?? undefined) : undefined;
      if (res.status >= 400) reading.lastError = `HTTP ${res.status}${revision ? ` from ${revision}` : ''}`;
      else if (expected && (!revision || !expected.has(revision))) {
        reading.wrongRevision++;
        reading.lastError = `answered by ${revision ?? 'an unnamed revision'}, expected ${[...expected].join(' or ')}`;
      } else reading.successes++;
    } catch (err) {
      reading.lastError = failureText(err);
    }
    beat({ check: req.check, sample: i + 1 });
  }
  const p95 = percentile(latencies, 95);
  return p95 === undefined ? reading : { ...reading, p95LatencyMs: Math.round(p95 * 10) / 10 };
}

// The URL comes from a plan: it gets credentials only when it lies under an endpoint the worker's
// config declares with them, and then follows no redirect that could carry them elsewhere.
async function readMetric(req: MetricRequest, endpoints: Record<string, Endpoint>, resolve: (ref: SecretRef) => Promise<string>): Promise<MetricReading> {
  try {
    const headers: Record<string, string> = { accept: 'application/json, text/plain' };
    const endpoint = endpointFor(req.url, endpoints);
    const secretHeaders = Object.entries(endpoint?.secretHeaders ?? {});
    for (const [name, ref] of secretHeaders) headers[name] = await resolve(ref);
    const res = await fetch(req.url, { signal: AbortSignal.timeout(req.timeoutMs), headers, redirect: secretHeaders.length ? 'manual' : 'follow' });
    const body = await res.text();
    if (!res.ok) return { kind: 'metric', check: req.check, error: `${req.url} answered HTTP ${res.status}` };
    return { kind: 'metric', check: req.check, value: readMetricValue(body, req.field) };
  } catch (err) {
    return { kind: 'metric', check: req.check, error: `${req.url}: ${failureText(err)}` };
  }
}

/**
 * One analysis reading of a bake: each probe asks its URL `samples` times (success rate, p95
 * latency, and on a tag URL whether the candidate answered), each metric endpoint once, each
 * provider check once per revision (candidate, and stable over the same window). A check
 * that cannot be read is a reading with an error, never a thrown activity: the workflow's stop rule
 * decides what a failing check means.
 */
export interface AnalysisActivityDeps {
  resolveSecret?: (ref: SecretRef) => Promise<string>;
  /** The worker's config: which metric endpoints get credentials. */
  config?: Config;
}

export function createAnalysisActivities(deps: AnalysisActivityDeps = {}) {
  const resolve = deps.resolveSecret ?? resolveSecret;
  return {
    async readAnalysis(req: AnalysisRequest): Promise<AnalysisReading[]> {
      const env = req.environment ? deps.config?.environments[req.environment] : undefined;
      const probes = await Promise.all(req.probes.map(readProbe));
      const metrics = await Promise.all(req.metrics.map((m) => readMetric(m, env?.rollout.endpoints ?? {}, resolve)));
      // One instant for every per-revision check, so the candidate and stable windows are the same.
      const nowMs = Date.now();
      const revisionMetrics = await Promise.all((req.revisionMetrics ?? []).map((m) => readRevisionMetric(m, req.environment ?? '', env, resolve, nowMs)));
      return [...probes, ...metrics, ...revisionMetrics];
    },
  };
}
