import { z } from 'zod';
import { DURATION_CAPS_MS } from '../duration-limits';
import { HttpUrlSchema } from '../http-url';
import { strictObject } from '../strict-object';
import { boundedDuration } from './duration-schema';
import { isHttpMetric } from './http-provider';
import { PROVIDER_NAME } from './metric-provider-schema';

const Name = z.string().regex(/^[a-z0-9][-a-z0-9]{0,39}$/, { message: 'expected a short lowercase name (letters, digits, dashes; at most 40)' });

/**
 * What a `cloudMonitoring` provider reads of each revision: Cloud Run's own request metrics
 * (`run.googleapis.com/request_count` by response code class, `run.googleapis.com/request_latencies`).
 * Ratios are shares of the revision's requests in the window; latencies are in milliseconds.
 */
export const CLOUD_RUN_METRICS = ['5xx-ratio', '4xx-ratio', 'request-count', 'latency-p50', 'latency-p95', 'latency-p99'] as const;
export type CloudRunMetric = (typeof CLOUD_RUN_METRICS)[number];

/** Placeholders a Prometheus query may hold; filled per service and revision by the worker. */
export const QUERY_PLACEHOLDERS = ['revision', 'service', 'step', 'window'] as const;
const QUERY_PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

/**
 * Candidate against stable over the same window. Both bounds are tolerances above stable's value
 * (higher is worse: errors, latency); with both, the candidate fails only above the looser one,
 * so `maxRatio: 2, maxDifference: 0.01` tolerates 1 point of 5xx over a stable revision at 0.
 */
export const CompareSchema = strictObject({
  against: z.literal('stable', { message: 'the candidate is compared against the stable revision: against: stable' }).default('stable'),
  maxRatio: z.number().positive().optional(),
  maxDifference: z.number().min(0).optional(),
}).superRefine((c, ctx) => {
  if (c.maxRatio === undefined && c.maxDifference === undefined) ctx.addIssue({ code: 'custom', path: ['maxRatio'], message: 'a comparison needs a bound: maxRatio, maxDifference or both' });
});

const PROVIDER_ONLY = 'only a check with a metric provider (provider: NAME) reads per revision';

export const MetricCheckSchema = strictObject(
  {
    name: Name,
    /** A metric provider declared in the worker's config (rollout.metricProviders), or `http` (the default): the plan's URL. */
    provider: z.string().regex(PROVIDER_NAME, { message: 'expected the name of a metric provider declared in the config, or http' }).optional(),
    /** http: answers a number, or JSON holding one at `field`. */
    url: HttpUrlSchema.optional(),
    /** http: dot path into a JSON answer (`lag.p95`); absent means the whole body is the number. */
    field: z.string().min(1).optional(),
    /**
     * Prometheus: an instant PromQL query answering one number, with {{revision}}, {{service}},
     * {{step}} and {{window}} placeholders. Cloud Monitoring: one of the Cloud Run metrics
     * (5xx-ratio, 4xx-ratio, request-count, latency-p50, latency-p95, latency-p99).
     */
    query: z.string().min(1).max(4000).optional(),
    /** Prometheus: a query answering the revision's request count in the window (what minSamples counts). */
    countQuery: z.string().min(1).max(4000).optional(),
    /** The window a provider reads over, for the candidate and stable alike. Default 5m. */
    window: boundedDuration(DURATION_CAPS_MS.workflowWait).optional(),
    /** Roles (or service ids) read; default every service of the group. */
    services: z.array(z.string().min(1)).min(1).optional(),
    /** Requests a revision needs in the window for a reading to count; below it the reading is "not enough data", never a pass. */
    minSamples: z.number().int().min(0).max(1_000_000_000).optional(),
    compare: CompareSchema.optional(),
    max: z.number().optional(),
    min: z.number().optional(),
    timeout: boundedDuration(DURATION_CAPS_MS.httpRequest).default('10s'),
  },
  { secretHeaders: "a plan never carries credentials: declare them on an endpoint in the worker's config (rollout.endpoints.NAME: { url, secretHeaders }) and use ${endpoints.NAME} in the URL" },
).superRefine((m, ctx) => {
  const http = isHttpMetric(m);
  if (http) {
    if (!m.url) ctx.addIssue({ code: 'custom', path: ['url'], message: 'an http metric check needs a url (or name a metric provider: provider: NAME, query: ...)' });
    for (const key of ['query', 'countQuery', 'window', 'services', 'minSamples', 'compare'] as const) if (m[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: PROVIDER_ONLY });
  } else {
    if (!m.query) ctx.addIssue({ code: 'custom', path: ['query'], message: `provider "${m.provider}" needs a query` });
    for (const key of ['url', 'field'] as const) if (m[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `only an http metric check has a ${key}; provider "${m.provider}" reads its query` });
    for (const key of ['query', 'countQuery'] as const) {
      for (const [, name] of (m[key] ?? '').matchAll(QUERY_PLACEHOLDER)) {
        if (!(QUERY_PLACEHOLDERS as readonly string[]).includes(name!)) ctx.addIssue({ code: 'custom', path: [key], message: `unknown placeholder {{${name}}}; known: ${QUERY_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}` });
      }
    }
  }
  if (m.max === undefined && m.min === undefined && !m.compare) ctx.addIssue({ code: 'custom', path: ['max'], message: 'a metric check needs a threshold: max, min, compare, or more than one' });
  if (m.max !== undefined && m.min !== undefined && m.min > m.max) ctx.addIssue({ code: 'custom', path: ['min'], message: `min ${m.min} is above max ${m.max}` });
});

export type MetricCheck = z.infer<typeof MetricCheckSchema>;
export type CompareSpec = z.infer<typeof CompareSchema>;

/** A query with its placeholders filled; values are Cloud Run names and step names (no quotes or braces). */
export function fillQuery(query: string, values: Record<(typeof QUERY_PLACEHOLDERS)[number], string>): string {
  return query.replace(QUERY_PLACEHOLDER, (whole, name: string) => values[name as keyof typeof values] ?? whole);
}
