import type { Benchmark } from '../harness';
import { cliStartup } from './cli-startup';
import { concurrency } from './concurrency';
import { historyGrowth } from './history-growth';
import { orchestrationOverhead } from './orchestration-overhead';
import { parkedRollouts } from './parked-rollouts';
import { rtoFidelity } from './rto-fidelity';
import { snapshotVerify } from './snapshot-verify';

/** Every benchmark, in the order `npm run bench` runs them (the order). */
export const BENCHMARKS: Benchmark[] = [orchestrationOverhead, rtoFidelity, snapshotVerify, concurrency, historyGrowth, cliStartup, parkedRollouts];
