import type { PrometheusProvider } from '../../domain/rollout/metric-provider-schema';
import type { SecretRef } from '../../domain/secret-ref';

/** What Prometheus' /api/v1/query answers (only the parts read here). */
interface QueryAnswer {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

export class PrometheusQueryError extends Error {}

async function authHeader(p: PrometheusProvider, resolve: (ref: SecretRef) => Promise<string>): Promise<string | undefined> {
  if (!p.auth) return undefined;
  if ('bearer' in p.auth) return `Bearer ${await resolve(p.auth.bearer)}`;
  const { username, password } = p.auth.basic;
  return `Basic ${Buffer.from(`${username}:${await resolve(password)}`).toString('base64')}`;
}

/**
 * One instant query: the single number it answers, or undefined when it answers no series (no
 * data, e.g. no requests in the window) or NaN (0/0). More than one series is an error: the query
 * must aggregate to one (`sum(...)`). Credentials go to the provider's URL only, with redirects refused.
 */
export async function queryPrometheus(p: PrometheusProvider, query: string, nowMs: number, timeoutMs: number, resolve: (ref: SecretRef) => Promise<string>): Promise<number | undefined> {
  const base = p.url.endsWith('/') ? p.url : `${p.url}/`;
  const url = new URL('api/v1/query', base);
  url.searchParams.set('query', query);
  url.searchParams.set('time', (nowMs / 1000).toFixed(3));
  const headers: Record<string, string> = { accept: 'application/json' };
  const auth = await authHeader(p, resolve);
  if (auth) headers.authorization = auth;
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs), redirect: auth ? 'manual' : 'follow' });
  const text = await res.text();
  let answer: QueryAnswer;
  try {
    answer = JSON.parse(text) as QueryAnswer;
  } catch {
    throw new PrometheusQueryError(`${url.origin} answered HTTP ${res.status} without JSON (${JSON.stringify(text.slice(0, 60))})`);
  }
  if (!res.ok || answer.status !== 'success') throw new PrometheusQueryError(`query refused (HTTP ${res.status}): ${answer.error ?? 'no error message'}`);
  const { resultType, result } = answer.data ?? {};
  let raw: unknown;
  if (resultType === 'scalar') raw = (result as [number, string])[1];
  else if (resultType === 'vector') {
    const vector = result as { metric: Record<string, string>; value: [number, string] }[];
    if (vector.length === 0) return undefined;
    if (vector.length > 1) throw new PrometheusQueryError(`query answered ${vector.length} series; aggregate it to one, e.g. sum(...)`);
    raw = vector[0]!.value[1];
  } else throw new PrometheusQueryError(`query answered a ${resultType ?? 'missing'} result; expected an instant vector or scalar`);
  const n = Number(raw);
  return Number.isNaN(n) ? undefined : n;
}
