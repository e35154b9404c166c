import type { ServiceGroupSpec } from './sandbox';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The G7 service group (docs/origins.md) as the sandbox plays it: backend and dashboard, each with an older and a
 * newer Ready revision (names as in the G7 drill report, `-sandbox` instead of `-nonprod`), traffic
 * `latestRevision: true` at 100 %. Group `index` > 0 gets its own service names (`...-sandbox-<index>`)
 * so many groups can share one emulator.
 */
export function seedServiceGroup(index = 0, now = Date.now()): ServiceGroupSpec {
  const suffix = index === 0 ? '' : `-${index}`;
  const name = index === 0 ? 'convex' : `convex-${index}`;
  const backend = `oa-convex-backend-sandbox${suffix}`;
  const dashboard = `oa-convex-dashboard-sandbox${suffix}`;
  const at = (daysAgo: number) => new Date(now - daysAgo * DAY_MS);
  return {
    name,
    services: [
      {
        role: 'backend',
        service: backend,
        kind: 'backend',
        revisions: [
          { name: `${backend}-00010-kpf`, createdAt: at(3) },
          { name: `${backend}-00011-v4r`, createdAt: at(2) },
        ],
      },
      {
        role: 'dashboard',
        service: dashboard,
        kind: 'dashboard',
        revisions: [
          { name: `${dashboard}-00001-8rs`, createdAt: at(3) },
          { name: `${dashboard}-00002-hwm`, createdAt: at(2) },
        ],
      },
    ],
  };
}

/** `count` seed groups: `convex`, `convex-1`, ... */
export function seedServiceGroups(count: number, now = Date.now()): ServiceGroupSpec[] {
  return Array.from({ length: count }, (_, i) => seedServiceGroup(i, now));
}
