import { ApplicationFailure } from '@temporalio/common';
import { knownSecrets, redactedExcerpt } from '../redaction';
import { ReplayFailureType } from './failures';

export interface ProjectionReadRequest {
  /** Convex deployment URL. */
  url: string;
  adminKey: string;
  /** Only the reference is ever shown, never the key. */
  adminKeyRef: string;
  query: string;
  table: string;
  key: string;
  timeoutMs: number;
}

/**
 * Reads one projection document back from Convex with its HTTP query API
 * (`POST /api/query {path, args, format: "json"}`, `Authorization: Convex <admin key>`).
 * Returns null when there is no such document.
 */
export async function readProjectionDocument(fetchFn: typeof fetch, req: ProjectionReadRequest): Promise<Record<string, unknown> | null> {
  const where = `${req.query} {table: ${req.table}, key: ${req.key}} on ${req.url}`;
  let res: Response;
  let text: string;
  try {
    res = await fetchFn(new URL('/api/query', req.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Convex ${req.adminKey}` },
      body: JSON.stringify({ path: req.query, args: { table: req.table, key: req.key }, format: 'json' }),
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    text = await res.text();
  } catch (err) {
    const e = err as Error & { cause?: Error };
    throw ApplicationFailure.create({ type: ReplayFailureType.projectionReadFailed, message: `cannot read ${where}: ${e.name === 'TimeoutError' ? `no answer within ${req.timeoutMs} ms` : (e.cause?.message ?? e.message)}` });
  }
  let body: { status?: string; value?: unknown; errorMessage?: string; code?: string; message?: string } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Reported with the status below.
  }
  const said = redactedExcerpt(body.errorMessage ?? (body.code ? `${body.code}: ${body.message ?? ''}` : text), knownSecrets([req.adminKey]));
  if (res.status === 401 || res.status === 403) {
    throw ApplicationFailure.create({ type: ReplayFailureType.projectionReadRefused, nonRetryable: true, message: `Convex at ${req.url} refused the admin key from ${req.adminKeyRef} (HTTP ${res.status} ${said}); check replay.projections.adminKey` });
  }
  if (res.status === 400 && /Could not find function/i.test(said)) {
    throw ApplicationFailure.create({ type: ReplayFailureType.projectionReadRefused, nonRetryable: true, message: `Convex at ${req.url} has no query ${req.query} (${said}); set replay.projectionQuery to the deployment's projection query` });
  }
  if (!res.ok || body.status !== 'success') {
    throw ApplicationFailure.create({ type: ReplayFailureType.projectionReadFailed, message: `cannot read ${where}: HTTP ${res.status} ${said}` });
  }
  if (body.value === null || body.value === undefined) return null;
  if (typeof body.value !== 'object' || Array.isArray(body.value)) {
    throw ApplicationFailure.create({ type: ReplayFailureType.projectionReadRefused, nonRetryable: true, message: `${where} returned ${JSON.stringify(body.value).slice(0, 80)}, not a document; check replay.projectionQuery` });
  }
  return body.value as Record<string, unknown>;
}
