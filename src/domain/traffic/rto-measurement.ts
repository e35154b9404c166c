import { RTO_MEANING, type IdentityStrategy } from './revision-identity';

/** How one service's RTO was measured, from its probe's result. */
export interface RtoMeasurement {
  /** The revision identity strategy that measured it (after any fallback). */
  identityStrategy: IdentityStrategy;
  /** `versionEndpoint` could not tell the revisions apart and `none` measured instead: why. */
  identityFallback?: string;
  /** When the Cloud Run API first showed the target traffic in force (`none`). */
  apiInForceAt?: string;
}

/** The measurement a probe result records; results from workers that predate strategies were `header`. */
export function rtoMeasurement(r: { strategy?: IdentityStrategy; fallbackReason?: string; inForceAtMs?: number }): RtoMeasurement {
  return {
    identityStrategy: r.strategy ?? 'header',
    ...(r.fallbackReason ? { identityFallback: r.fallbackReason } : {}),
    ...(r.inForceAtMs !== undefined ? { apiInForceAt: new Date(r.inForceAtMs).toISOString() } : {}),
  };
}

/** Which strategy (or strategies) measured a drill's RTO, and what the figure means under each. */
export function rtoMeaning(services: { service: string; identityStrategy?: IdentityStrategy }[]): { rtoStrategy?: string; rtoMeaning?: string } {
  const used = [...new Set(services.flatMap((s) => (s.identityStrategy ? [s.identityStrategy] : [])))];
  if (used.length === 0) return {};
  if (used.length === 1) return { rtoStrategy: used[0], rtoMeaning: `RTO runs from the first traffic change ${RTO_MEANING[used[0]!]}` };
  const per = used.map((u) => `${services.filter((s) => s.identityStrategy === u).map((s) => s.service).join(', ')} (${u}): ${RTO_MEANING[u]}`);
  return { rtoStrategy: used.join('+'), rtoMeaning: `RTO runs from the first traffic change to the last service confirmed; ${per.join('; ')}` };
}
