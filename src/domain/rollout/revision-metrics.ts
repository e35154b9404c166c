import { durationMs } from './duration';
import type { MetricCheck } from './metric-check-schema';
import type { CheckVerdict, RolloutService } from './records';

/** How a plan treats a reading with too few requests; never a pass. */
export type NotEnoughDataPolicy = 'hold' | 'fail' | 'abort';

export const DEFAULT_METRIC_WINDOW = '5m';

/** One metric a declared provider reads for one service: the candidate, and the stable revision when compared. */
export interface RevisionMetricRequest {
  check: string;
  /** A provider declared in the environment's rollout.metricProviders; the activity resolves it. */
  provider: string;
  query: string;
  countQuery?: string;
  role: string;
  service: string;
  step: string;
  candidate: string;
  /** Read too when the check compares; the same window as the candidate's. */
  stable?: string;
  windowMs: number;
  timeoutMs: number;
  minSamples: number;
  max?: number;
  min?: number;
  compare?: { maxRatio?: number; maxDifference?: number };
  onNotEnoughData: NotEnoughDataPolicy;
}

/** One revision's side of a reading: no value means the provider had no data for it (no requests). */
export interface RevisionSide {
  revision: string;
  value?: number;
  /** Requests in the window, where the provider counts them. */
  samples?: number;
}

export interface RevisionMetricReading {
  kind: 'revision-metric';
  check: string;
  candidate?: RevisionSide;
  stable?: RevisionSide;
  /** The provider could not be read: counts as failing (an unverifiable budget is not a kept one). */
  error?: string;
}

/** The per-revision metric requests of a step: one per check and service of the group it names. */
export function revisionMetricRequests(
  metrics: readonly MetricCheck[],
  services: readonly RolloutService[],
  step: string,
  onNotEnoughData: NotEnoughDataPolicy,
): RevisionMetricRequest[] {
  return metrics.flatMap((m) => {
    if (!m.provider || m.provider === 'http' || !m.query) return [];
    const chosen = services.filter((s) => !m.services || m.services.includes(s.role) || m.services.includes(s.service));
    return chosen.map((s) => ({
      check: `${m.name} ${s.role}`,
      provider: m.provider!,
      query: m.query!,
      ...(m.countQuery ? { countQuery: m.countQuery } : {}),
      role: s.role,
      service: s.service,
      step,
      candidate: s.candidate,
      ...(m.compare ? { stable: s.stable, compare: { maxRatio: m.compare.maxRatio, maxDifference: m.compare.maxDifference } } : {}),
      windowMs: durationMs(m.window ?? DEFAULT_METRIC_WINDOW),
      timeoutMs: durationMs(m.timeout),
      minSamples: m.minSamples ?? 0,
      max: m.max,
      min: m.min,
      onNotEnoughData,
    }));
  });
}

/** A number as people read it in a status line: up to 4 significant digits. */
export function metricText(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(4)));
}

function sideText(label: string, s: RevisionSide | undefined): string {
  if (!s) return `${label} not read`;
  const value = s.value === undefined ? 'no data' : metricText(s.value);
  return `${label} ${value}${s.samples !== undefined ? ` (${s.samples} requests)` : ''}`;
}

/** Why a side cannot be judged, or undefined when it has enough data. */
function shortOfData(req: RevisionMetricRequest, label: string, s: RevisionSide | undefined): string | undefined {
  if (!s || s.value === undefined) return `${label} has no data in the last ${Math.round(req.windowMs / 1000)} s`;
  if (s.samples !== undefined && s.samples < req.minSamples) return `${label} has ${s.samples} of the ${req.minSamples} requests needed`;
  return undefined;
}

/**
 * The largest candidate value a comparison tolerates: stable × maxRatio or stable + maxDifference,
 * the looser of those given (higher is worse: errors, latency).
 */
export function comparisonLimit(stable: number, compare: { maxRatio?: number; maxDifference?: number }): number {
  const limits = [compare.maxRatio !== undefined ? stable * compare.maxRatio : undefined, compare.maxDifference !== undefined ? stable + compare.maxDifference : undefined].filter((x): x is number => x !== undefined);
  return Math.max(...limits);
}

function boundsText(c: { maxRatio?: number; maxDifference?: number }): string {
  return [c.maxRatio !== undefined ? `${c.maxRatio}× stable` : '', c.maxDifference !== undefined ? `stable + ${metricText(c.maxDifference)}` : ''].filter(Boolean).join(' or ');
}

/**
 * One per-revision reading judged: "not enough data" (never a pass) when the candidate, or the
 * stable revision it is compared with, has no value or fewer requests than minSamples; otherwise
 * the absolute thresholds on the candidate, then the comparison with stable over the same window.
 */
export function revisionMetricVerdict(req: RevisionMetricRequest, r: RevisionMetricReading): CheckVerdict {
  const base = { check: req.check };
  if (r.error) return { ...base, ok: false, detail: `cannot read: ${r.error}` };
  const c = r.candidate;
  const s = r.stable;
  const figures = {
    ...(c?.value !== undefined ? { value: c.value } : {}),
    ...(c?.samples !== undefined ? { samples: c.samples } : {}),
    ...(s?.value !== undefined ? { stable: s.value } : {}),
    ...(s?.samples !== undefined ? { stableSamples: s.samples } : {}),
  };
  const sides = req.compare ? `${sideText('candidate', c)} vs ${sideText('stable', s)}` : sideText('candidate', c);
  const short = [shortOfData(req, 'the candidate', c), req.compare ? shortOfData(req, 'the stable revision', s) : undefined].filter(Boolean);
  if (short.length) return { ...base, ...figures, ok: false, notEnoughData: req.onNotEnoughData, detail: `not enough data: ${short.join('; ')} (${sides})` };
  const v = c!.value!;
  const problems: string[] = [];
  if (req.max !== undefined && v > req.max) problems.push(`above max ${metricText(req.max)}`);
  if (req.min !== undefined && v < req.min) problems.push(`below min ${metricText(req.min)}`);
  if (req.compare) {
    const limit = comparisonLimit(s!.value!, req.compare);
    if (v > limit) problems.push(`above ${boundsText(req.compare)} (limit ${metricText(limit)})`);
  }
  if (problems.length) return { ...base, ...figures, ok: false, detail: `${sides}: ${problems.join(', ')}` };
  const within = [req.max !== undefined ? `max ${metricText(req.max)}` : '', req.min !== undefined ? `min ${metricText(req.min)}` : '', req.compare ? boundsText(req.compare) : ''].filter(Boolean).join(', ');
  return { ...base, ...figures, ok: true, detail: `${sides}: within ${within}` };
}
