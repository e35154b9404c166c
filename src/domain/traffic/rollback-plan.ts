import { describeAllocation, type TrafficAllocation } from './allocation';
import type { CloudRunTarget } from './cloud-run-target';
import { effectiveIdentity, type RevisionIdentity } from './revision-identity';
import { RollbackTargetError, type DrillService, type RollbackTarget } from './rollback-targets';
import type { ServingShare } from './service-state';

/** Where and how a probe asks a service which revision answered. */
export interface ProbeSpec {
  url: string;
  path: string;
  identity: RevisionIdentity;
}

export interface ProbeConfig {
  /** Overrides the service's own URL (Cloud Run `uri`). */
  url?: string;
  path: string;
  identity?: RevisionIdentity;
  /** Earlier spelling of `identity: { header }` (workflow inputs recorded before `identity`). */
  revisionHeader?: string;
}

/** Everything the drill will do to one service, decided before anything changes. */
export interface ServiceRollbackPlan {
  role: string;
  service: string;
  /** The exact allocation found, to be restored afterwards. */
  original: TrafficAllocation;
  originalSummary: string;
  /** The etag read with `original`: a shift refuses to start from anything else. */
  originalEtag: string;
  servingBefore: ServingShare[];
  current: string;
  target: string;
  targetReason: string;
  rollbackAllocation: TrafficAllocation;
  rollbackSummary: string;
  probe: ProbeSpec;
  /** Revisions that serve once the original allocation is back. */
  restoreRevisions: string[];
  /**
   * Probes may watch while a traffic change is still in flight (shift and restore alike) when the
   * target serves nothing before the drill: then an answer from the target proves the shift and an
   * answer from an original revision proves the restore. When the target already had a share, an
   * answer proves nothing, so the probe starts once the control plane reports the change done.
   */
  probeAlongsideChange: boolean;
}

/**
 * The allocation that rolls a service back to `target`: 100 % on it, and every tag kept where it
 * pointed, at 0 %, as `gcloud run services update-traffic --to-revisions T=100` does,
 * so tag URLs keep working during the drill.
 */
export function rollbackAllocation(original: TrafficAllocation, target: string): TrafficAllocation {
  const tagged = original.filter((e) => e.tag).map((e) => ({ ...e, percent: 0 }));
  return [{ type: 'REVISION', revision: target, percent: 100 }, ...tagged];
}

export function planServiceRollback(target: RollbackTarget, service: DrillService, probe: ProbeConfig): ServiceRollbackPlan {
  const url = probe.url ?? service.snapshot.uri;
  if (!url) {
    throw new RollbackTargetError('NoProbeUrl', service.service, `service ${service.service} has no URL to probe (its default URL is disabled)`, `set serviceGroups.<group>.services.${target.role}.probe.url in the config`);
  }
  const original = service.snapshot.traffic;
  const rollback = rollbackAllocation(original, target.target);
  const restoreRevisions = target.serving.map((s) => s.revision);
  return {
    role: target.role,
    service: target.service,
    original,
    originalSummary: describeAllocation(original),
    originalEtag: service.snapshot.etag,
    servingBefore: target.serving,
    current: target.current,
    target: target.target,
    targetReason: target.targetReason,
    rollbackAllocation: rollback,
    rollbackSummary: describeAllocation(rollback),
    probe: { url, path: probe.path, identity: effectiveIdentity(probe) },
    restoreRevisions,
    probeAlongsideChange: !restoreRevisions.includes(target.target),
  };
}

/** The plan for every service of the group, in the group's order. */
export function planRollback(targets: RollbackTarget[], services: DrillService[], probes: Record<string, ProbeConfig>): ServiceRollbackPlan[] {
  return targets.map((t) => {
    const service = services.find((s) => s.service === t.service);
    const probe = probes[t.role];
    if (!service || !probe) throw new Error(`no state or probe for service ${t.service} (role ${t.role})`);
    return planServiceRollback(t, service, probe);
  });
}

/**
 * The data-plane probe of one planned service: its URL, the revisions that count, the pace and the
 * deadline; `inForce` is the allocation Cloud Run must report in force first (for strategies that
 * cannot name the revision that answered) and the revisions a version endpoint must tell apart.
 */
export function servingProbeRequest(
  p: ServiceRollbackPlan,
  cfg: { consecutiveHealthy: number; probeIntervalMs: number },
  expectedRevisions: string[],
  deadlineMs: number,
  inForce?: { cloudRun: CloudRunTarget; allocation: TrafficAllocation; otherRevisions: string[] },
) {
  const identity = p.probe.identity;
  return {
    service: p.service,
    url: p.probe.url,
    path: p.probe.path,
    identity,
    // Workers from before `identity` read the header from here.
    ...(typeof identity === 'object' && 'header' in identity ? { revisionHeader: identity.header } : {}),
    ...(inForce ? { inForce: { cloudRun: inForce.cloudRun, allocation: inForce.allocation }, otherRevisions: inForce.otherRevisions } : {}),
    expectedRevisions,
    consecutive: cfg.consecutiveHealthy,
    intervalMs: cfg.probeIntervalMs,
    requestTimeoutMs: Math.max(1000, Math.min(10_000, cfg.probeIntervalMs * 5)),
    deadlineMs,
  };
}
