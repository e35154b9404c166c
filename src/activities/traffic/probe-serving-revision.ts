import { activityInfo, heartbeat, sleep } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

export interface ServingProbeRequest {
  service: string;
  /** Service URL (or a probe URL from the config) and the path to ask. */
  url: string;
  path: string;
  /** Response header in which a revision names itself. */
  revisionHeader: string;
  /** Answers from any of these revisions count. */
  expectedRevisions: string[];
  /** Consecutive healthy answers from an expected revision before the service counts as switched. */
  consecutive: number;
  intervalMs: number;
  requestTimeoutMs: number;
  /** Epoch ms after which the probe gives up (an absolute deadline survives retries). */
  deadlineMs: number;
}

export interface ServingProbeResult {
  service: string;
  /** Epoch ms of the first answer of the confirming streak: when the data plane was seen serving. */
  servingSinceMs: number;
  /** Epoch ms of the answer that completed the streak. */
  confirmedAtMs: number;
  revision: string;
  answers: number;
}

interface ProbeProgress {
  streak: number;
  streakStartMs: number;
  answers: number;
  lastRevision?: string;
  lastStatus?: number;
}

interface Answer {
  status?: number;
  revision?: string;
  error?: string;
}

async function ask(url: string, header: string, timeoutMs: number): Promise<Answer> {
  try {
    const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs), headers: { 'cache-control': 'no-cache' } });
    await res.arrayBuffer();
    return { status: res.status, revision: res.headers.get(header) ?? undefined };
  } catch (err) {
    return { error: (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message };
  }
}

/**
 * Polls a service URL until N consecutive healthy answers (HTTP status below 400) name one of the
 * expected revisions: the data-plane proof that a traffic change took effect, which the seed's
 * health check could not give. Reports every answer; resumes the streak of `previous` (an earlier
 * attempt's last report) when its first answer still comes from an expected revision.
 */
async function probeUntilServing(req: ServingProbeRequest, previous: ProbeProgress | undefined, report: (p: ProbeProgress) => void, stopped: () => boolean = () => false): Promise<ServingProbeResult> {
  const url = new URL(req.path, req.url).href;
  const expected = new Set(req.expectedRevisions);
  let p: ProbeProgress = { streak: 0, streakStartMs: 0, answers: previous?.answers ?? 0 };
  let resumable = (previous?.streak ?? 0) > 0;
  for (;;) {
    const askedAtMs = Date.now();
    const a = await ask(url, req.revisionHeader, req.requestTimeoutMs);
    p.answers++;
    const healthy = a.status !== undefined && a.status < 400 && a.revision !== undefined && expected.has(a.revision);
    if (healthy && resumable && previous) {
      p = { ...p, streak: previous.streak, streakStartMs: previous.streakStartMs };
    }
    resumable = false;
    p = healthy ? { ...p, streak: p.streak + 1, streakStartMs: p.streak === 0 ? askedAtMs : p.streakStartMs } : { ...p, streak: 0, streakStartMs: 0 };
    p.lastRevision = a.revision;
    p.lastStatus = a.status;
    report(p);
    if (p.streak >= req.consecutive && a.revision) {
      return { service: req.service, servingSinceMs: p.streakStartMs, confirmedAtMs: askedAtMs, revision: a.revision, answers: p.answers };
    }
    if (Date.now() + req.intervalMs > req.deadlineMs) {
      const last = a.error ? `last request failed: ${a.error}` : `last answer HTTP ${a.status} from ${a.revision ?? 'an unnamed revision'}`;
      throw ApplicationFailure.nonRetryable(
        `service ${req.service}: ${url} never gave ${req.consecutive} consecutive healthy answers from ${[...expected].join(' or ')} before the deadline (${p.answers} answers; ${last})`,
        'ServingRevisionNotSeen',
      );
    }
    // Context sleep rejects when the activity is cancelled (the workflow gave up on this probe).
    await sleep(Math.max(0, req.intervalMs - (Date.now() - askedAtMs)));
    if (stopped()) throw new Error('stopped: another probe of the same activity failed');
  }
}

/** One probe as one activity; heartbeats every answer, so a retried attempt resumes the streak. */
export function probeServingRevision(req: ServingProbeRequest): Promise<ServingProbeResult> {
  return probeUntilServing(req, activityInfo().heartbeatDetails as ProbeProgress | undefined, (p) => heartbeat(p));
}

/**
 * Several probes run together as one activity (a rollout step's service and tag URLs): results in
 * request order, the first failure fails it and stops the rest. One activity instead of one per
 * URL saves about a dozen history events per rollout step (bench: history-growth).
 */
export async function probeServingRevisions(reqs: ServingProbeRequest[]): Promise<ServingProbeResult[]> {
  const previous = (activityInfo().heartbeatDetails as (ProbeProgress | undefined)[] | undefined) ?? [];
  const progress = reqs.map((_, i) => previous[i]);
  let failed = false;
  try {
    return await Promise.all(
      reqs.map((req, i) =>
        probeUntilServing(req, previous[i], (p) => {
          progress[i] = p;
          heartbeat(progress);
        }, () => failed),
      ),
    );
  } catch (err) {
    failed = true;
    throw err;
  }
}
