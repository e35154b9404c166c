import type { TrafficAllocation, TrafficEntry } from '../traffic/allocation';
import type { FinishPolicy } from './plan-schema';
import type { RolloutService } from './records';

/**
 * Tags the service carried before the rollout, kept where they pointed at 0 % so their URLs keep
 * working (the step's own tag wins over an old one of the same name).
 */
function keptTags(original: TrafficAllocation, stepTag: string | undefined): TrafficEntry[] {
  return original.filter((e) => e.tag && e.tag !== stepTag).map((e) => ({ ...e, percent: 0 }));
}

/**
 * The allocation of one step on one service: the candidate gets `percent` (and the step's tag), the
 * stable revision the rest. Both are named revisions: a rollout never leaves routing to LATEST
 * before it finishes, so a deploy in the middle cannot move traffic behind its back.
 */
export function stepAllocation(s: Pick<RolloutService, 'stable' | 'candidate' | 'original'>, percent: number, tag?: string): TrafficAllocation {
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new RangeError(`percent ${percent} is not a whole number from 0 to 100`);
  const entries: TrafficEntry[] = [];
  if (percent < 100) entries.push({ type: 'REVISION', revision: s.stable, percent: 100 - percent });
  if (percent > 0 || tag) entries.push({ type: 'REVISION', revision: s.candidate, percent, ...(tag ? { tag } : {}) });
  return [...entries, ...keptTags(s.original, tag)];
}

/** What serves the service URL once a step's allocation is live. */
export function servingRevisionsAt(s: Pick<RolloutService, 'stable' | 'candidate'>, percent: number): string[] {
  if (percent === 0) return [s.stable];
  if (percent === 100) return [s.candidate];
  return [s.stable, s.candidate];
}

/**
 * The allocation after the last step, by the plan's finish policy: `latest` follows the latest Ready
 * revision again (Cloud Run's default, as the G7 services were provisioned), `pinned` stays on
 * the candidate by name.
 */
export function finishAllocation(s: Pick<RolloutService, 'candidate' | 'original'>, policy: FinishPolicy, tag?: string): TrafficAllocation {
  // Pinned, the cohort's tag rides on the one candidate entry (one entry per revision, as gcloud writes it).
  const entries: TrafficEntry[] =
    policy.traffic === 'latest'
      ? [{ type: 'LATEST', percent: 100 }, ...(tag ? [{ type: 'REVISION' as const, revision: s.candidate, percent: 0, tag }] : [])]
      : [{ type: 'REVISION', revision: s.candidate, percent: 100, ...(tag ? { tag } : {}) }];
  return [...entries, ...keptTags(s.original, tag)];
}
