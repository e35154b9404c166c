import { activityInfo, heartbeat, sleep } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { allocationsEqual, describeAllocation, type TrafficAllocation } from '../../domain/traffic/allocation';
import { ProbeFailure } from '../../domain/failure-types';
import type { CloudRunTarget } from '../../domain/traffic/cloud-run-target';
import {
  effectiveIdentity,
  identityStrategy,
  imageServesVersion,
  versionFallbackReason,
  versionFromBody,
  type IdentityStrategy,
  type RevisionIdentity,
} from '../../domain/traffic/revision-identity';
import { trafficSettled, type ServiceSnapshot } from '../../domain/traffic/service-state';
import { cloudRunClients } from './cloud-run-clients';
import { probeGet, type ProbeAnswer } from './probe-get';
import { CloudRunTrafficAdapter, type TrafficPort } from './cloud-run-traffic';

export interface ServingProbeRequest {
  service: string;
  /** Service URL (or a probe URL from the config) and the path to ask. */
  url: string;
  path: string;
  /** How an answer names its revision; absent in requests from before it existed: `revisionHeader` decides. */
  identity?: RevisionIdentity;
  /** Response header in which a revision names itself (the `header` strategy's earlier spelling). */
  revisionHeader?: string;
  /**
   * The allocation Cloud Run must report in force before answers count, for strategies that cannot
   * name the revision (`none`, and `versionEndpoint` when it falls back); also where the revisions'
   * images are read for `versionEndpoint`.
   */
  inForce?: { cloudRun: CloudRunTarget; allocation: TrafficAllocation };
  /** Revisions that may answer but do not count (a version endpoint must tell them apart). */
  otherRevisions?: string[];
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
  /** The revision that answered last; empty under `none` (no answer names one). */
  revision: string;
  answers: number;
  /** The strategy that measured this (after any fallback); absent from workers that predate strategies. */
  strategy?: IdentityStrategy;
  /** `versionEndpoint` fell back to `none`: why. */
  fallbackReason?: string;
  /** Epoch ms of the API read that first showed the target traffic in force (`none`). */
  inForceAtMs?: number;
  /** The target's tag URL, probed healthy on its own before the service URL (`none`). */
  tagUrl?: string;
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

/** What one answer says: the revision it names, if the strategy can tell. */
type Identify = (res: ProbeAnswer) => string | undefined;

async function ask(url: string, identify: Identify, timeoutMs: number): Promise<Answer> {
  try {
    const res = await probeGet(url, timeoutMs);
    return { status: res.status, revision: identify(res) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

interface Streak {
  url: string;
  identify: Identify;
  /** Undefined: any healthy answer counts (nothing names a revision). */
  expected: Set<string> | undefined;
}

/**
 * Polls one URL until N consecutive healthy answers (HTTP status below 400, and naming an expected
 * revision when the strategy can name one). Reports every answer; resumes the streak of `previous`
 * (an earlier attempt's last report) when its first answer still counts.
 */
async function probeStreak(
  req: ServingProbeRequest,
  target: Streak,
  previous: ProbeProgress | undefined,
  report: (p: ProbeProgress) => void,
  stopped: () => boolean,
): Promise<{ servingSinceMs: number; confirmedAtMs: number; revision: string; answers: number }> {
  let p: ProbeProgress = { streak: 0, streakStartMs: 0, answers: previous?.answers ?? 0 };
  let resumable = (previous?.streak ?? 0) > 0;
  for (;;) {
    const askedAtMs = Date.now();
    const a = await ask(target.url, target.identify, req.requestTimeoutMs);
    p.answers++;
    const healthy = a.status !== undefined && a.status < 400 && (!target.expected || (a.revision !== undefined && target.expected.has(a.revision)));
    if (healthy && resumable && previous) {
      p = { ...p, streak: previous.streak, streakStartMs: previous.streakStartMs };
    }
    resumable = false;
    p = healthy ? { ...p, streak: p.streak + 1, streakStartMs: p.streak === 0 ? askedAtMs : p.streakStartMs } : { ...p, streak: 0, streakStartMs: 0 };
    p.lastRevision = a.revision;
    p.lastStatus = a.status;
    report(p);
    if (p.streak >= req.consecutive) {
      return { servingSinceMs: p.streakStartMs, confirmedAtMs: askedAtMs, revision: a.revision ?? '', answers: p.answers };
    }
    if (Date.now() + req.intervalMs > req.deadlineMs) {
      const last = a.error ? `last request failed: ${a.error}` : `last answer HTTP ${a.status}${target.expected ? ` from ${a.revision ?? 'an unnamed revision'}` : ''}`;
      const from = target.expected ? ` from ${[...target.expected].join(' or ')}` : '';
      throw ApplicationFailure.nonRetryable(
        `service ${req.service}: ${target.url} never gave ${req.consecutive} consecutive healthy answers${from} before the deadline (${p.answers} answers; ${last})`,
        ProbeFailure.revisionNotSeen,
      );
    }
    // Context sleep rejects when the activity is cancelled (the workflow gave up on this probe).
    await sleep(Math.max(0, req.intervalMs - (Date.now() - askedAtMs)));
    if (stopped()) throw new Error('stopped: another probe of the same activity failed');
  }
}

/** Reads the service until Cloud Run reports `allocation` in force: settled, Ready, statuses equal to it. */
async function waitUntilInForce(req: ServingProbeRequest, port: TrafficPort, allocation: TrafficAllocation, stopped: () => boolean): Promise<ServiceSnapshot & { readAtMs: number }> {
  for (;;) {
    const s = await port.readService(req.service);
    const readAtMs = Date.now();
    if (allocationsEqual(s.traffic, allocation) && trafficSettled(s)) return { ...s, readAtMs };
    if (readAtMs + req.intervalMs > req.deadlineMs) {
      throw ApplicationFailure.nonRetryable(
        `service ${req.service}: the Cloud Run API never reported ${describeAllocation(allocation)} in force before the deadline (now ${describeAllocation(s.traffic)}, reconciling: ${s.reconciling}, ${s.readyDetail})`,
        ProbeFailure.revisionNotSeen,
      );
    }
    heartbeatIfActivity({ waitingForApi: true });
    await sleep(req.intervalMs);
    if (stopped()) throw new Error('stopped: another probe of the same activity failed');
  }
}

function heartbeatIfActivity(details: unknown): void {
  try {
    heartbeat(details);
  } catch {
    // not inside an activity
  }
}

export interface ProbeDeps {
  /** The Cloud Run API for `none` and `versionEndpoint`; the real adapter unless a test passes another. */
  trafficPort?: (target: CloudRunTarget) => TrafficPort;
}

const realPort = (target: CloudRunTarget): TrafficPort => new CloudRunTrafficAdapter(target, cloudRunClients(target));

/**
 * The data-plane proof that a traffic change took effect, under the service's identity strategy:
 * - `header`: N consecutive healthy answers naming an expected revision in the header;
 * - `versionEndpoint`: the same, the revision known by the version its image serves; when an expected
 *   revision shares its image with another, the versions cannot tell them apart: falls back to `none`;
 * - `none`: the API first reports the target traffic in force, then the target's tag URL (if it has
 *   one) and the service URL each give N consecutive healthy answers. The streak starts after the
 *   API read, so this RTO never ends before Cloud Run says the change is in force.
 */
async function probeUntilServing(req: ServingProbeRequest, previous: ProbeProgress | undefined, report: (p: ProbeProgress) => void, stopped: () => boolean, deps: ProbeDeps): Promise<ServingProbeResult> {
  const identity = effectiveIdentity(req);
  let strategy = identityStrategy(identity);
  let fallbackReason: string | undefined;
  const expected = new Set(req.expectedRevisions);
  const port = req.inForce ? (deps.trafficPort ?? realPort)(req.inForce.cloudRun) : undefined;
  let identify: Identify = () => undefined;
  let path = req.path;
  if (typeof identity === 'object' && 'header' in identity) {
    identify = (res) => res.header(identity.header);
  } else if (typeof identity === 'object' && 'versionEndpoint' in identity) {
    const revisions = port ? await port.listRevisions(req.service) : [];
    const imageOf = (r: string): string | undefined => revisions.find((x) => x.name === r)?.image;
    const others = req.otherRevisions ?? [];
    fallbackReason = port ? versionFallbackReason(req.expectedRevisions, others, imageOf) : 'the probe has no Cloud Run API access to read revision images';
    if (fallbackReason) {
      strategy = 'none';
    } else {
      const { field } = identity.versionEndpoint;
      path = identity.versionEndpoint.path;
      // The expected revisions first: an answer that matches one of them and another counts.
      const candidates = [...req.expectedRevisions, ...others];
      identify = (res) => {
        const version = res.status < 400 ? versionFromBody(res.body, field) : undefined;
        return version ? candidates.find((r) => imageServesVersion(imageOf(r) ?? '', version)) : undefined;
      };
    }
  }

  if (strategy !== 'none') {
    const r = await probeStreak(req, { url: new URL(path, req.url).href, identify, expected }, previous, report, stopped);
    return { service: req.service, ...r, strategy };
  }

  let inForceAtMs: number | undefined;
  let tagUrl: string | undefined;
  if (port && req.inForce) {
    const s = await waitUntilInForce(req, port, req.inForce.allocation, stopped);
    inForceAtMs = s.readAtMs;
    const only = req.expectedRevisions.length === 1 ? req.expectedRevisions[0] : undefined;
    tagUrl = s.trafficStatuses.find((t) => t.tag && t.uri && t.revision === only)?.uri;
    if (tagUrl) await probeStreak(req, { url: new URL(req.path, tagUrl).href, identify, expected: undefined }, undefined, report, stopped);
  }
  const r = await probeStreak(req, { url: new URL(req.path, req.url).href, identify, expected: undefined }, undefined, report, stopped);
  return {
    service: req.service,
    ...r,
    strategy,
    ...(fallbackReason ? { fallbackReason } : {}),
    ...(inForceAtMs !== undefined ? { inForceAtMs } : {}),
    ...(tagUrl ? { tagUrl } : {}),
  };
}

/** The probe activities; `deps` lets tests pass another Cloud Run port. */
export function createServingProbeActivities(deps: ProbeDeps = {}) {
  return {
    /** One probe as one activity; heartbeats every answer, so a retried attempt resumes the streak. */
    probeServingRevision(req: ServingProbeRequest): Promise<ServingProbeResult> {
      return probeUntilServing(req, activityInfo().heartbeatDetails as ProbeProgress | undefined, (p) => heartbeat(p), () => false, deps);
    },

    /**
     * Several probes run together as one activity (a rollout step's service and tag URLs): results in
     * request order, the first failure fails it and stops the rest. One activity instead of one per
     * URL saves about a dozen history events per rollout step (bench: history-growth).
     */
    async probeServingRevisions(reqs: ServingProbeRequest[]): Promise<ServingProbeResult[]> {
      const previous = (activityInfo().heartbeatDetails as (ProbeProgress | undefined)[] | undefined) ?? [];
      const progress = reqs.map((_, i) => previous[i]);
      let failed = false;
      try {
        return await Promise.all(
          reqs.map((req, i) =>
            probeUntilServing(
              req,
              Array.isArray(previous) ? previous[i] : undefined,
              (p) => {
                progress[i] = p;
                heartbeat(progress);
              },
              () => failed,
              deps,
            ),
          ),
        );
      } catch (err) {
        failed = true;
        throw err;
      }
    },
  };
}

export const { probeServingRevision, probeServingRevisions } = createServingProbeActivities();
