import fs from 'node:fs';
import path from 'node:path';
import { ServicesClient } from '@google-cloud/run';
import { stringify } from 'yaml';
import { cloudRunClientOptions } from '../src/activities/traffic/cloud-run-clients';
import { DrillClient } from '../src/client';
import { readConfigFile } from '../src/config-file';
import { connectClient, resolveTemporalTarget } from '../src/temporal/connection';
import { SANDBOX_ROLLOUT_ENVIRONMENT } from '../src/sandbox/rollout';
import { SANDBOX_ENVIRONMENT, startSandbox } from '../src/sandbox/sandbox';
import type { ChaosContext } from './context';
import { INVARIANTS } from './invariants';
import { ChaosProcesses } from './processes';
import { Prng } from './prng';
import { runTrial, type FaultKind, type TrialRecord } from './trial';
import type { ChaosWorkflow } from './workflows';

export interface LaneOptions {
  workflows: ChaosWorkflow[];
  /** Worker SIGKILL trials per workflow. */
  trials: number;
  /** Temporal server SIGKILL trials per workflow (alternately the server alone, and the server and the worker). */
  serverTrials: number;
  seed: number;
  /** One trial instead of the series. */
  replay?: { seed: number; kind: FaultKind };
  /** Logs, the dev server's SQLite file and the sandbox's data. */
  dir: string;
  /** Only every `of`-th trial of each workflow's plan, starting at `index`: the rest run in other lanes. */
  part?: { index: number; of: number };
}

export const log = (msg: string): void => void process.stderr.write(`[chaos] ${msg}\n`);

export function violationCount(r: TrialRecord): number {
  return INVARIANTS.reduce((n, i) => n + r.violations[i].length, 0);
}

/** The kinds and seeds of a workflow's trials: first every worker kill, then the server kills. */
export function trialPlan(opts: Pick<LaneOptions, 'trials' | 'serverTrials' | 'seed' | 'replay'>): { kind: FaultKind; seed: number }[] {
  if (opts.replay) return [opts.replay];
  const rng = new Prng(opts.seed);
  const kinds: FaultKind[] = [...Array<FaultKind>(opts.trials).fill('worker'), ...Array.from({ length: opts.serverTrials }, (_, i): FaultKind => (i % 2 === 0 ? 'server' : 'both'))];
  return kinds.map((kind) => ({ kind, seed: rng.nextSeed() }));
}

/**
 * One stack (sandbox, Temporal dev server on a SQLite file, the worker as a child process) and the
 * trials of `workflows` on it, one after another: each workflow runs once undisturbed, then its trials.
 */
export async function runLane(opts: LaneOptions): Promise<TrialRecord[]> {
  const sandbox = await startSandbox({ dataDir: path.join(opts.dir, 'sandbox') });
  // Traffic settles and probes answer at test pace, not the demo's, so a trial takes seconds.
  sandbox.cloudRun.setPropagationDelay(100);
  for (const env of [SANDBOX_ENVIRONMENT, SANDBOX_ROLLOUT_ENVIRONMENT]) {
    const e = sandbox.config.environments[env]!;
    e.rollback = { ...e.rollback, probeIntervalMs: 100 };
  }
  fs.writeFileSync(sandbox.configPath, stringify(sandbox.config));
  const config = readConfigFile(sandbox.configPath);

  const procs = new ChaosProcesses(opts.dir, sandbox.configPath);
  const records: TrialRecord[] = [];
  let ctx: ChaosContext | undefined;
  try {
    await procs.startServer();
    await procs.startWorker();
    const target = resolveTemporalTarget({ address: procs.address, namespace: 'default' });
    const temporal = await connectClient(target);
    const { project, region, grpcAddress } = sandbox.cloudRun;
    ctx = { sandbox, config, temporal, drill: new DrillClient(temporal, target, config), cloudRun: new ServicesClient(cloudRunClientOptions({ project, region, apiEndpoint: grpcAddress, sandbox: true })) };
    for (const wf of opts.workflows) {
      const baseline = await runTrial(ctx, procs, wf, 'none', 0, opts.seed, 0);
      records.push(baseline);
      log(`${wf.name}: undisturbed run ${(baseline.durationMs / 1000).toFixed(1)} s, ${violationCount(baseline)} violations`);
      // Kill instants are drawn over the shortest run seen: the first run is slowed by cold starts.
      let spanMs = baseline.durationMs;
      for (const [i, t] of trialPlan(opts).entries()) {
        if (opts.part && i % opts.part.of !== opts.part.index) continue;
        const r = await runTrial(ctx, procs, wf, t.kind, i + 1, t.seed, spanMs, baseline.updatesApplied);
        records.push(r);
        spanMs = Math.min(spanMs, r.durationMs);
        const kills = r.faults.map((f) => `${f.process} at ${(f.atMs / 1000).toFixed(1)} s${f.runWasOpen ? '' : ' (after close)'}`).join(', ');
        log(`${wf.name} #${i + 1} ${t.kind} (seed ${t.seed}): ${kills}; ${(r.durationMs / 1000).toFixed(1)} s, ${violationCount(r)} violations`);
        // At once, not only in the final table: a run stopped early still shows what it found.
        for (const inv of INVARIANTS) for (const v of r.violations[inv]) log(`  ${wf.name} #${i + 1} ${inv}: ${v}`);
      }
    }
  } finally {
    await ctx?.cloudRun.close().catch(() => undefined);
    await ctx?.temporal.connection.close().catch(() => undefined);
    await procs.stop();
    await sandbox.stop();
  }
  return records;
}
