/** Ids a replay drill gives the fixtures it seeds into the runtime's history. */
export interface ReplayFixtureIds {
  suffix: string;
  runId: string;
  workerId: string;
}

export const DEFAULT_FIXTURE_PREFIX = 'drillctl_drill';

// FNV-1a, 32 bit: pure arithmetic, so workflow code can derive the same ids on every replay.
function fnv1a(text: string, seed: number): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * Fixture ids derived from the workflow id, like the G7 replay's `g7_drill_run_<n>` but reproducible:
 * the same drill always names the same fixtures (a retried or reset run finds what an earlier
 * attempt seeded), and the prefix marks them as drill data.
 */
export function replayFixtureIds(workflowId: string, prefix: string = DEFAULT_FIXTURE_PREFIX): ReplayFixtureIds {
  const suffix = [fnv1a(workflowId, 0x811c9dc5), fnv1a(workflowId, 0x01000193)].map((h) => h.toString(16).padStart(8, '0')).join('');
  return { suffix, runId: `${prefix}_run_${suffix}`, workerId: `${prefix}_worker_${suffix}` };
}
