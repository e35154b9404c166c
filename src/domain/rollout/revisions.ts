import type { TrafficAllocation } from '../traffic/allocation';
import { describeServing, newestFirst, servingShares, type RevisionInfo, type ServiceSnapshot } from '../traffic/service-state';
import type { FinishPolicy } from './plan-schema';
import type { RolloutService } from './records';
import type { ProbeConfig } from '../traffic/rollback-plan';
import { effectiveIdentity, type RevisionIdentity } from '../traffic/revision-identity';

export type PreflightErrorCode = 'ServiceNotReady' | 'NotOneStableRevision' | 'CandidateNotFound' | 'CandidateNotReady' | 'NoReadyCandidate' | 'CandidateIsStable' | 'FinishLatestNotCandidate';

/** A service the rollout cannot start on: which one, why, and what to do. */
export class RolloutPreflightError extends Error {
  constructor(
    readonly code: PreflightErrorCode,
    readonly service: string,
    message: string,
    readonly hint: string,
  ) {
    super(`${message}; ${hint}`);
    this.name = 'RolloutPreflightError';
  }
}

export interface DescribedGroupService {
  role: string;
  service: string;
  snapshot: ServiceSnapshot;
  revisions: RevisionInfo[];
  /** The config's probe settings for the service. */
  probe: ProbeConfig;
}

function candidateFor(s: DescribedGroupService, requested: string): { candidate: string; reason: string } {
  const ready = newestFirst(s.revisions).filter((r) => r.ready);
  if (requested === 'latest') {
    const newest = ready[0];
    if (!newest) throw new RolloutPreflightError('NoReadyCandidate', s.service, `service ${s.service} has no Ready revision`, 'deploy the candidate with --no-traffic and wait until it is Ready');
    return { candidate: newest.name, reason: 'latest Ready revision' };
  }
  const named = s.revisions.find((r) => r.name === requested);
  if (!named) {
    const names = newestFirst(s.revisions).map((r) => r.name).join(', ');
    throw new RolloutPreflightError('CandidateNotFound', s.service, `service ${s.service} has no revision ${requested}`, `name one of: ${names || '(none)'}`);
  }
  if (!named.ready) throw new RolloutPreflightError('CandidateNotReady', s.service, `candidate ${requested} of service ${s.service} is not Ready (${named.readyDetail})`, 'fix or redeploy it, or name another candidate');
  return { candidate: named.name, reason: 'named in the plan' };
}

/**
 * Pre-flight: for every service of the group, the stable revision (the one serving 100 % now), the
 * candidate (named, or the latest Ready revision), and the exact allocation to restore on abort.
 * Throws RolloutPreflightError naming the service and the fix.
 */
export function resolveRolloutServices(services: DescribedGroupService[], candidates: Record<string, string>, finish: FinishPolicy): RolloutService[] {
  return services.map((s) => {
    if (!s.snapshot.ready) throw new RolloutPreflightError('ServiceNotReady', s.service, `service ${s.service} is not Ready (${s.snapshot.readyDetail})`, 'fix the service before rolling out');
    const serving = servingShares(s.snapshot);
    const only = serving.length === 1 && serving[0]?.percent === 100 ? serving[0].revision : undefined;
    if (!only) {
      throw new RolloutPreflightError('NotOneStableRevision', s.service, `service ${s.service} serves ${describeServing(serving)}, not one stable revision`, 'finish or roll back the change in progress first: a rollout starts from one revision serving 100 %');
    }
    const requested = candidates[s.role] ?? candidates[s.service] ?? 'latest';
    const { candidate, reason } = candidateFor(s, requested);
    if (candidate === only) {
      throw new RolloutPreflightError('CandidateIsStable', s.service, `candidate ${candidate} of service ${s.service} already serves 100 %: nothing to roll out`, 'deploy the new revision with --no-traffic, or name another candidate in the plan');
    }
    if (finish.traffic === 'latest') {
      const newestReady = newestFirst(s.revisions).find((r) => r.ready)?.name;
      if (newestReady !== candidate) {
        throw new RolloutPreflightError('FinishLatestNotCandidate', s.service, `finish: latest would route service ${s.service} to ${newestReady ?? '(none)'}, not to the candidate ${candidate}`, 'use finish.traffic: pinned, or roll out the latest Ready revision');
      }
    }
    const original: TrafficAllocation = s.snapshot.traffic;
    return {
      role: s.role,
      service: s.service,
      stable: only,
      candidate,
      candidateReason: reason,
      original,
      url: s.probe.url ?? s.snapshot.uri,
      probePath: s.probe.path,
      ...servingIdentity(s.probe),
    };
  });
}

/** The identity strategy of a service's probes; `revisionHeader` kept for the analysis of the header strategy. */
export function servingIdentity(probe: ProbeConfig): { identity: RevisionIdentity; revisionHeader?: string } {
  const identity = effectiveIdentity(probe);
  return typeof identity === 'object' && 'header' in identity ? { identity, revisionHeader: identity.header } : { identity };
}
