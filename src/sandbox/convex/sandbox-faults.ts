import type { FaultRegistry } from '../faults';
import type { ConvexStandIn } from './convex-stand-in';

/**
 * The Convex stand-ins' faults by name, for tests and `drillctl sandbox fault`. `deployment`
 * picks the stand-in: exports default to the source, imports to the scratch deployment.
 */
export function registerConvexFaults(faults: FaultRegistry, deployments: { source: ConvexStandIn; scratch: ConvexStandIn }): void {
  const pick = (params: Record<string, unknown>, fallback: 'source' | 'scratch'): ConvexStandIn => {
    const name = String(params.deployment ?? fallback);
    if (name !== 'source' && name !== 'scratch') throw new Error('params.deployment must be source or scratch');
    return deployments[name];
  };
  const all = Object.values(deployments);
  faults.register('convex-export', {
    description:
      'the next export fails (default), stalls until cleared (mode: stall), is served cut in half (mode: truncate) or holds one document line of `bytes` bytes, default 256 MiB (mode: huge-line); params: deployment (source)',
    inject(p) {
      const d = pick(p, 'source');
      if (p.mode === 'stall') d.stallExports();
      else if (p.mode === 'truncate') d.truncateNextExport();
      else if (p.mode === 'huge-line') d.hugeLineNextExport(Number(p.bytes ?? 256 << 20));
      else d.failNextExport();
    },
    clear: () => all.forEach((d) => d.clearFaults()),
  });
  faults.register('convex-import', {
    description: 'the next import fails (default; message), stalls until cleared (mode: stall) or silently drops documents while reporting success (mode: drop, count); params: deployment (scratch)',
    inject(p) {
      const d = pick(p, 'scratch');
      if (p.mode === 'stall') d.stallImports();
      else if (p.mode === 'drop') d.dropDocumentsOnNextImport(Number(p.count ?? 1));
      else d.failNextImport(typeof p.message === 'string' ? p.message : undefined);
    },
    clear: () => all.forEach((d) => d.clearFaults()),
  });
  faults.register('convex-mutations', {
    description: 'every /api/mutation answers 500 (params: message; deployment, default source)',
    inject: (p) => pick(p, 'source').failMutations(typeof p.message === 'string' ? p.message : undefined),
    clear: () => all.forEach((d) => d.clearFaults()),
  });
}
