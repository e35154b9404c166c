import { durationMs } from './duration';
import { isHttpMetric } from './http-provider';
import type { AnalysisPolicy } from './plan-schema';
import type { CheckState, CheckVerdict, RolloutService } from './records';
import { revisionMetricRequests, revisionMetricVerdict, type RevisionMetricReading, type RevisionMetricRequest } from './revision-metrics';

/** One probe check of one service, as the analysis activity runs it. */
export interface ProbeRequest {
  check: string;
  role: string;
  target: 'service' | 'tag';
  /** Absent when Cloud Run has not reported the tag's URL: the reading fails. */
  url?: string;
  samples: number;
  /** Names the revision that answered (the header identity strategy); without it answers are not attributed. */
  revisionHeader?: string;
  /** On a tag URL with a revision header, only the candidate counts as a success. */
  expectRevisions?: string[];
  timeoutMs: number;
  minSuccessRate: number;
  maxP95LatencyMs?: number;
}

export interface MetricRequest {
  check: string;
  url: string;
  field?: string;
  timeoutMs: number;
  min?: number;
  max?: number;
}

export interface AnalysisRequest {
  /** Whose `rollout.endpoints` (credentials of metric URLs) and `rollout.metricProviders` the worker reads. */
  environment?: string;
  probes: ProbeRequest[];
  /** The built-in http provider: each check's URL, once. */
  metrics: MetricRequest[];
  /** Checks a declared provider reads per service and revision (absent in runs recorded before providers). */
  revisionMetrics?: RevisionMetricRequest[];
}

export interface ProbeReading {
  kind: 'probe';
  check: string;
  samples: number;
  successes: number;
  /** Answers that came from a revision the check did not expect (tag probes). */
  wrongRevision: number;
  p95LatencyMs?: number;
  /** The last failure seen, for people. */
  lastError?: string;
}

export interface MetricReading {
  kind: 'metric';
  check: string;
  value?: number;
  /** The metric could not be read: counts as failing (an unverifiable budget is not a kept one). */
  error?: string;
}

export type AnalysisReading = ProbeReading | MetricReading | RevisionMetricReading;

/**
 * Where the analysis of a step looks: probe URLs per service and tag, metric endpoints, and the
 * candidate and stable revisions of each service for checks read from a metric provider.
 */
export function analysisRequest(policy: AnalysisPolicy, services: RolloutService[], tagUrls: Record<string, string>, tag: string | undefined, step = ''): AnalysisRequest {
  const probes: ProbeRequest[] = [];
  policy.probes.forEach((p) => {
    const chosen = services.filter((s) => !p.services || p.services.includes(s.role) || p.services.includes(s.service));
    for (const s of chosen) {
      const base = p.target === 'tag' ? tagUrls[s.role] : s.url;
      const suffix = p.path === '/' ? '' : p.path;
      const check = `${p.target === 'tag' ? `tag ${tag ?? ''}` : 'service'} ${s.role}${suffix}`;
      probes.push({
        check,
        role: s.role,
        target: p.target,
        url: base ? new URL(p.path, base).href : undefined,
        samples: p.samples,
        ...(s.revisionHeader ? { revisionHeader: s.revisionHeader } : {}),
        // A tag URL routes to the candidate alone; only a revision header can show it did.
        expectRevisions: p.target === 'tag' && s.revisionHeader ? [s.candidate] : undefined,
        timeoutMs: 5000,
        minSuccessRate: p.minSuccessRate,
        maxP95LatencyMs: p.maxP95LatencyMs,
      });
    }
  });
  const metrics: MetricRequest[] = policy.metrics.filter(isHttpMetric).map((m) => ({ check: m.name, url: m.url!, field: m.field, timeoutMs: durationMs(m.timeout), min: m.min, max: m.max }));
  const revisionMetrics = revisionMetricRequests(policy.metrics, services, step, policy.onNotEnoughData ?? 'hold');
  return { probes, metrics, ...(revisionMetrics.length ? { revisionMetrics } : {}) };
}

const pct = (x: number): string => `${(x * 100).toFixed(x === 1 || x === 0 ? 0 : 1)}%`;

function probeVerdict(req: ProbeRequest, r: ProbeReading): CheckVerdict {
  const rate = r.samples === 0 ? 0 : r.successes / r.samples;
  const problems: string[] = [];
  if (rate < req.minSuccessRate) problems.push(`success ${pct(rate)} < ${pct(req.minSuccessRate)}${r.wrongRevision ? ` (${r.wrongRevision} from another revision)` : ''}${r.lastError ? `; last: ${r.lastError}` : ''}`);
  if (req.maxP95LatencyMs !== undefined) {
    if (r.p95LatencyMs === undefined) problems.push('no latency measured');
    else if (r.p95LatencyMs > req.maxP95LatencyMs) problems.push(`p95 ${Math.round(r.p95LatencyMs)} ms > ${req.maxP95LatencyMs} ms`);
  }
  const latency = r.p95LatencyMs !== undefined ? `, p95 ${Math.round(r.p95LatencyMs)} ms` : '';
  return { check: req.check, ok: problems.length === 0, value: rate, detail: problems.length ? problems.join('; ') : `success ${pct(rate)} of ${r.samples}${latency}` };
}

function metricVerdict(req: MetricRequest, r: MetricReading): CheckVerdict {
  if (r.value === undefined) return { check: req.check, ok: false, detail: `cannot read: ${r.error ?? 'no value'}` };
  const v = r.value;
  if (req.max !== undefined && v > req.max) return { check: req.check, ok: false, value: v, detail: `${v} > max ${req.max}` };
  if (req.min !== undefined && v < req.min) return { check: req.check, ok: false, value: v, detail: `${v} < min ${req.min}` };
  const bounds = [req.min !== undefined ? `min ${req.min}` : '', req.max !== undefined ? `max ${req.max}` : ''].filter(Boolean).join(', ');
  return { check: req.check, ok: true, value: v, detail: `${v} within ${bounds}` };
}

/** Each check's verdict for one reading; a check with no reading fails (the analysis did not see it). */
export function evaluateReadings(req: AnalysisRequest, readings: AnalysisReading[]): CheckVerdict[] {
  const byCheck = new Map(readings.map((r) => [r.check, r]));
  return [
    ...req.probes.map((p) => {
      const r = byCheck.get(p.check);
      return r?.kind === 'probe' ? probeVerdict(p, r) : { check: p.check, ok: false, detail: 'no reading' };
    }),
    ...req.metrics.map((m) => {
      const r = byCheck.get(m.check);
      return r?.kind === 'metric' ? metricVerdict(m, r) : { check: m.check, ok: false, detail: 'no reading' };
    }),
    ...(req.revisionMetrics ?? []).map((m) => {
      const r = byCheck.get(m.check);
      return r?.kind === 'revision-metric' ? revisionMetricVerdict(m, r) : { check: m.check, ok: false, detail: 'no reading' };
    }),
  ];
}

export interface CheckChange {
  check: string;
  event: 'check-failing' | 'check-not-enough-data' | 'check-recovered';
  detail: string;
}

export interface StopRuleOutcome {
  checks: Record<string, CheckState>;
  /** Checks that started failing or recovered with this reading (the timeline records only these). */
  changes: CheckChange[];
  /** Set when a check has been failing for stopAfter or longer: the rollout must abort. */
  stop?: { check: string; failingForMs: number; detail: string; /** Stopped by a reading with not enough data under `onNotEnoughData: abort`. */ onNotEnoughData?: 'abort' };
}

/**
 * Folds one reading into the bake's check states and applies the stop rule: a check failing for
 * `stopAfterMs` or longer (measured from its first failing reading of the streak) stops the rollout;
 * 0 stops on the first failing reading. This is the runbook's "stop the ramp if a critical alert
 * fires for more than 5 minutes" as code. A reading with not enough data follows the plan: `hold`
 * starts no streak (the step still cannot advance), `fail` is a failing reading, `abort` stops now.
 */
export function applyStopRule(previous: Record<string, CheckState>, verdicts: CheckVerdict[], nowMs: number, stopAfterMs: number): StopRuleOutcome {
  const at = new Date(nowMs).toISOString();
  const checks: Record<string, CheckState> = { ...previous };
  const changes: CheckChange[] = [];
  let stop: StopRuleOutcome['stop'];
  for (const v of verdicts) {
    const before = previous[v.check];
    const held = v.notEnoughData === 'hold';
    const failingSince = v.ok || held ? undefined : (before?.failingSince ?? at);
    checks[v.check] = { ...v, readings: (before?.readings ?? 0) + 1, failures: (before?.failures ?? 0) + (v.ok || held ? 0 : 1), failingSince, at };
    if (held && !before?.notEnoughData) changes.push({ check: v.check, event: 'check-not-enough-data', detail: v.detail });
    if (!v.ok && !held && !before?.failingSince) changes.push({ check: v.check, event: 'check-failing', detail: v.detail });
    if (v.ok && (before?.failingSince || before?.notEnoughData)) changes.push({ check: v.check, event: 'check-recovered', detail: v.detail });
    if (v.notEnoughData === 'abort') {
      stop = { check: v.check, failingForMs: 0, detail: v.detail, onNotEnoughData: 'abort' };
      continue;
    }
    if (failingSince) {
      const failingForMs = nowMs - Date.parse(failingSince);
      if (failingForMs >= stopAfterMs && (!stop || (stop.failingForMs > 0 && failingForMs > stop.failingForMs))) stop = { check: v.check, failingForMs, detail: v.detail };
    }
  }
  return { checks, changes, stop };
}

/** Checks failing right now. */
export function failingChecks(checks: Record<string, CheckState>): CheckState[] {
  return Object.values(checks).filter((c) => !c.ok);
}
