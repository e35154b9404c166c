import type { ServiceGroupSpec } from '../cloud-run';

const HOUR_MS = 3_600_000;

export const RELEASE_SERVICES = { backend: 'oa-convex-backend-release', dashboard: 'oa-convex-dashboard-release' } as const;

/**
 * The G7 backend and dashboard (docs/origins.md) as a staged rollout finds them: each pinned at 100 % to its stable
 * revision, with the new candidate deployed beside it (`gcloud run deploy --no-traffic`) and an older
 * revision behind it, the one a rollback drill goes back to before the candidate serves anything.
 */
export function releaseServiceGroup(now = Date.now()): ServiceGroupSpec & { stable: Record<string, string>; candidate: Record<string, string> } {
  const at = (hoursAgo: number) => new Date(now - hoursAgo * HOUR_MS);
  const revisions = (service: string, ids: [string, string, string]) => ({
    older: `${service}-${ids[0]}`,
    stable: `${service}-${ids[1]}`,
    candidate: `${service}-${ids[2]}`,
  });
  const b = revisions(RELEASE_SERVICES.backend, ['00010-kpf', '00011-v4r', '00012-c7n']);
  const d = revisions(RELEASE_SERVICES.dashboard, ['00001-8rs', '00002-hwm', '00003-q2d']);
  const pinned = (revision: string) => [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION' as const, revision, percent: 100, tag: '' }];
  return {
    name: 'convex-release',
    services: [
      { role: 'backend', service: RELEASE_SERVICES.backend, kind: 'backend', revisions: [{ name: b.older, createdAt: at(72) }, { name: b.stable, createdAt: at(48) }, { name: b.candidate, createdAt: at(1) }], traffic: pinned(b.stable) },
      { role: 'dashboard', service: RELEASE_SERVICES.dashboard, kind: 'dashboard', revisions: [{ name: d.older, createdAt: at(72) }, { name: d.stable, createdAt: at(48) }, { name: d.candidate, createdAt: at(1) }], traffic: pinned(d.stable) },
    ],
    stable: { backend: b.stable, dashboard: d.stable },
    candidate: { backend: b.candidate, dashboard: d.candidate },
  };
}
