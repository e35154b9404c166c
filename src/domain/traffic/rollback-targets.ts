import { shortRevisionName } from './allocation';
import { describeServing, newestFirst, servingShares, type RevisionInfo, type ServiceSnapshot, type ServingShare } from './service-state';

/** One service of the group being drilled, as read from Cloud Run. */
export interface DrillService {
  role: string;
  service: string;
  snapshot: ServiceSnapshot;
  revisions: RevisionInfo[];
}

export type RollbackTargetErrorCode =
  | 'UnknownService'
  | 'TargetEqualsCurrent'
  | 'NoReadyOlderRevision'
  | 'TargetRevisionNotFound'
  | 'TargetRevisionNotReady'
  | 'NothingServing'
  | 'NoProbeUrl';

/** A rollback target that cannot be resolved: which service, why, and what to do about it. */
export class RollbackTargetError extends Error {
  constructor(
    readonly code: RollbackTargetErrorCode,
    readonly service: string | undefined,
    message: string,
    readonly hint: string,
  ) {
    super(`${message}; ${hint}`);
    this.name = 'RollbackTargetError';
  }
}

export interface RollbackTarget {
  role: string;
  service: string;
  serving: ServingShare[];
  /** What serves now, for people: one revision, or the split. */
  current: string;
  /** The newest revision that receives traffic: the one being rolled back from. */
  newestServing: string;
  target: string;
  /** Why this target: chosen by the operator, or the rule that picked it. */
  targetReason: string;
}

function findService(services: DrillService[], key: string): DrillService | undefined {
  return services.find((s) => s.role === key || s.service === key);
}

function knownServices(services: DrillService[]): string {
  return services.map((s) => `${s.role} (${s.service})`).join(', ');
}

function newestServingRevision(s: DrillService, serving: ServingShare[]): RevisionInfo {
  const byName = new Map(s.revisions.map((r) => [r.name, r]));
  const known = serving.map((sh) => byName.get(sh.revision)).filter((r): r is RevisionInfo => r !== undefined);
  const newest = newestFirst(known)[0];
  if (!newest) {
    throw new RollbackTargetError('TargetRevisionNotFound', s.service, `service ${s.service} serves ${describeServing(serving)}, which is not in its revision list`, 'check the service in the Cloud Run console and run the drill again');
  }
  return newest;
}

function explicitTarget(s: DrillService, requested: string, serving: ServingShare[]): { target: string; reason: string } {
  const target = shortRevisionName(requested);
  const revision = s.revisions.find((r) => r.name === target);
  if (!revision) {
    const names = newestFirst(s.revisions).map((r) => r.name).join(', ');
    throw new RollbackTargetError('TargetRevisionNotFound', s.service, `service ${s.service} has no revision ${target}`, `choose one of: ${names || '(none)'}`);
  }
  if (!revision.ready) {
    throw new RollbackTargetError('TargetRevisionNotReady', s.service, `revision ${target} of service ${s.service} is not Ready (${revision.readyDetail})`, 'choose a Ready revision with --target');
  }
  if (serving.length === 1 && serving[0]?.revision === target) {
    throw new RollbackTargetError('TargetEqualsCurrent', s.service, `revision ${target} already serves 100% of service ${s.service}: a rollback to it changes nothing`, `choose an older revision with --target ${s.role}=<revision>, or drop the --target for ${s.role}`);
  }
  return { target, reason: 'chosen with --target' };
}

function automaticTarget(s: DrillService, newest: RevisionInfo): { target: string; reason: string } {
  const candidate = newestFirst(s.revisions).find((r) => r.ready && r.name !== newest.name && r.createTimeMs < newest.createTimeMs);
  if (!candidate) {
    throw new RollbackTargetError('NoReadyOlderRevision', s.service, `service ${s.service} has no Ready revision older than ${newest.name}`, `pass --target ${s.role}=<revision> to choose one`);
  }
  return { target: candidate.name, reason: `newest Ready revision created before ${newest.name}` };
}

/**
 * The rollback target of every service of a group: the explicit one when given (keyed by role or
 * service id), otherwise the newest Ready revision created before the newest revision that serves
 * traffic now. Revisions are ordered by creation time, readiness is the `Ready` condition, and the
 * revision being rolled back from is never its own target. Throws RollbackTargetError naming the
 * service and the fix.
 */
export function resolveRollbackTargets(group: string, services: DrillService[], explicit: Record<string, string> = {}): RollbackTarget[] {
  for (const key of Object.keys(explicit)) {
    if (!findService(services, key)) {
      throw new RollbackTargetError('UnknownService', key, `service group ${group} has no service "${key}"`, `use a role or service id of the group: ${knownServices(services)}`);
    }
  }
  return services.map((s) => {
    const serving = servingShares(s.snapshot);
    if (serving.length === 0) {
      throw new RollbackTargetError('NothingServing', s.service, `service ${s.service} routes no traffic to any revision`, 'fix its traffic in Cloud Run before drilling a rollback');
    }
    const newest = newestServingRevision(s, serving);
    const requested = explicit[s.role] ?? explicit[s.service];
    const { target, reason } = requested ? explicitTarget(s, requested, serving) : automaticTarget(s, newest);
    return { role: s.role, service: s.service, serving, current: describeServing(serving), newestServing: newest.name, target, targetReason: reason };
  });
}
