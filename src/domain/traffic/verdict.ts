export type RollbackVerdict = 'PASS' | 'FAIL';

/** Seconds between two epoch-millisecond instants, to the millisecond; never negative. */
export function secondsBetween(startMs: number, endMs: number): number {
  return Math.max(0, Math.round(endMs - startMs)) / 1000;
}

/**
 * PASS only when the target revisions served within the RTO target and every service is back on
 * exactly its original allocation (the operators compared RTO with its target by hand, in the G7 report).
 */
export function rollbackVerdict(m: { rtoSeconds: number; rtoTargetSeconds: number; trafficRestored: boolean }): RollbackVerdict {
  return m.trafficRestored && m.rtoSeconds <= m.rtoTargetSeconds ? 'PASS' : 'FAIL';
}

/** Why a drill failed its verdict, for people; empty when it passed. */
export function verdictReasons(m: { rtoSeconds: number; rtoTargetSeconds: number; trafficRestored: boolean }): string[] {
  const reasons: string[] = [];
  if (m.rtoSeconds > m.rtoTargetSeconds) reasons.push(`RTO ${m.rtoSeconds} s is above the ${m.rtoTargetSeconds} s target`);
  if (!m.trafficRestored) reasons.push('traffic is not back to its original allocation on every service');
  return reasons;
}
