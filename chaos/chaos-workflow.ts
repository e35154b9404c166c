import type { WorkflowHandle } from '@temporalio/client';
import type { TrafficAllocation } from '../src/domain/traffic/allocation';
import { readTraffic, type ChaosContext } from './context';

/** What a trial must end with, from outside the product. */
export interface Expectation {
  /** Final traffic per service id. */
  traffic: Record<string, TrafficAllocation>;
  /** Cohort flags the run's hooks must leave (name to enabled). */
  flags: Record<string, boolean>;
}

export interface StartedTrial {
  handle: WorkflowHandle;
  /** Epoch ms just before the run started (after any set-up of the trial's starting state). */
  startedMs: number;
  expected: Expectation;
  /** Acts as the people in the loop (approvals) until the run closes or `stop` is called. */
  drive(stop: () => boolean): Promise<void>;
  /** Violations of the run's own outcome (empty: as expected). */
  checkOutcome(): Promise<string[]>;
  /** Violations of its audit trail: every step's record present exactly once (empty: as expected). */
  checkAudit(): Promise<string[]>;
}

export interface ChaosWorkflow {
  name: string;
  /** Statuses the run may close with. */
  closesAs: string[];
  environment: string;
  group: string;
  services: string[];
  /** How many lanes (stacks) its trials are spread over in a full run: more for a long run. */
  lanes: number;
  start(ctx: ChaosContext, trial: string): Promise<StartedTrial>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Each of `want` recorded exactly once in `got`, and nothing else (e.g. one record per step). */
export function exactlyOnce(what: string, got: string[], want: string[]): string[] {
  const out: string[] = [];
  for (const w of want) {
    const n = got.filter((g) => g === w).length;
    if (n !== 1) out.push(`${what} for ${w} recorded ${n} times`);
  }
  const extra = got.filter((g) => !want.includes(g));
  if (extra.length) out.push(`unexpected ${what}s: ${extra.join(', ')}`);
  return out;
}

export async function currentTraffic(ctx: ChaosContext, services: string[]): Promise<Record<string, TrafficAllocation>> {
  return Object.fromEntries(await Promise.all(services.map(async (s) => [s, await readTraffic(ctx, s)] as const)));
}

