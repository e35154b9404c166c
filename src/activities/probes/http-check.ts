import { ApplicationFailure } from '@temporalio/common';
import { activityInfo } from '@temporalio/activity';
import { SERVING_REVISION_HEADER } from '../../domain/revision-header';

export type HttpCheckKind = 'non-empty-body' | 'body-contains' | 'status-in';

export interface HttpCheckRequest {
  url: string;
  kind: HttpCheckKind;
  /** body-contains: the text to find; status-in: comma-separated statuses, e.g. "200,302". */
  expect?: string;
  timeoutMs: number;
  revisionHeader?: string;
}

export interface HttpCheckOutcome {
  status: number;
  detail: string;
  attempt: number;
  servingRevision?: string;
}

/**
 * One HTTP health check. A failed expectation throws a retryable `HealthCheckFailed` so Temporal's
 * retry policy does the polling (the operators' curl tried once); the workflow reports the last message.
 */
export async function httpCheck(req: HttpCheckRequest): Promise<HttpCheckOutcome> {
  let res: Response;
  let body: string;
  try {
    res = await fetch(req.url, { redirect: 'manual', signal: AbortSignal.timeout(req.timeoutMs) });
    body = await res.text();
  } catch (err) {
    const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
    throw ApplicationFailure.retryable(`GET ${req.url} failed: ${cause}`, 'HealthCheckFailed');
  }
  const servingRevision = res.headers.get(req.revisionHeader ?? SERVING_REVISION_HEADER) ?? undefined;
  const fail = (why: string): never => {
    throw ApplicationFailure.retryable(`GET ${req.url}: ${why}`, 'HealthCheckFailed');
  };
  switch (req.kind) {
    case 'non-empty-body':
      if (!res.ok) fail(`HTTP ${res.status}`);
      if (!body.trim()) fail('empty body');
      break;
    case 'body-contains':
      if (!res.ok) fail(`HTTP ${res.status}`);
      if (!body.includes(req.expect ?? '')) fail(`body does not contain "${req.expect}"`);
      break;
    case 'status-in': {
      const allowed = (req.expect ?? '200').split(',').map((s) => Number(s.trim()));
      if (!allowed.includes(res.status)) fail(`HTTP ${res.status}, expected ${allowed.join(' or ')}`);
      break;
    }
  }
  return { status: res.status, detail: `HTTP ${res.status}${req.kind === 'non-empty-body' ? `, ${body.trim().slice(0, 60)}` : ''}`, attempt: activityInfo().attempt, servingRevision };
}
