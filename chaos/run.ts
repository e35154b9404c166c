// `npm run chaos [-- --trials N] [-- --seed S] [-- --only NAME] [-- --out FILE]`: each traffic-changing
// workflow runs once undisturbed, then N times with SIGKILLs at uniformly random instants of the run
// (even trials: the worker; odd trials: the Temporal dev server, whose history is in a SQLite file, and
// the worker), each process restarted after a random delay. After every trial the invariants are
// checked from outside the product; a table goes to stdout, every trial to chaos/results.json, and
// the exit code is 1 on any violation. `--replay SEED --kind worker|server --only NAME` runs one trial.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServicesClient } from '@google-cloud/run';
import { stringify } from 'yaml';
import { cloudRunClientOptions } from '../src/activities/traffic/cloud-run-clients';
import { DrillClient } from '../src/client';
import { readConfigFile } from '../src/config-file';
import { connectClient, resolveTemporalTarget } from '../src/temporal/connection';
import { SANDBOX_ROLLOUT_ENVIRONMENT } from '../src/sandbox/rollout';
import { SANDBOX_ENVIRONMENT, startSandbox } from '../src/sandbox/sandbox';
import { machine } from '../bench/harness';
import { freePort } from '../test/support/ports';
import type { ChaosContext } from './context';
import { INVARIANTS } from './invariants';
import { ChaosProcesses } from './processes';
import { Prng } from './prng';
import { markdownTable, tabulate } from './report';
import { runTrial, type FaultKind, type TrialRecord } from './trial';
import { CHAOS_WORKFLOWS } from './workflows';

interface Options {
  trials: number;
  seed: number;
  only?: string;
  out: string;
  replay?: { seed: number; kind: FaultKind };
}

function parseArgs(argv: string[]): Options {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
    return v;
  };
  const int = (name: string, fallback: number): number => {
    const v = value(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number (got ${v})`);
    return n;
  };
  const known = new Set(['--trials', '--seed', '--only', '--out', '--replay', '--kind']);
  for (const a of argv) if (a.startsWith('--') && !known.has(a)) throw new Error(`unknown option ${a}; known: ${[...known].join(', ')}`);
  const only = value('--only');
  if (only && !CHAOS_WORKFLOWS.some((w) => w.name === only)) throw new Error(`--only: no workflow named ${only}; known: ${CHAOS_WORKFLOWS.map((w) => w.name).join(', ')}`);
  const kind = value('--kind') ?? 'worker';
  if (!['none', 'worker', 'server'].includes(kind)) throw new Error(`--kind must be none, worker or server (got ${kind})`);
  const replay = value('--replay');
  return {
    trials: int('--trials', 20),
    seed: int('--seed', Math.floor(Math.random() * 2 ** 31)),
    ...(only ? { only } : {}),
    out: path.resolve(value('--out') ?? path.join(__dirname, 'results.json')),
    ...(replay !== undefined ? { replay: { seed: int('--replay', 0), kind: kind as FaultKind } } : {}),
  };
}

const log = (msg: string): void => void process.stderr.write(`[chaos] ${msg}\n`);

function violationCount(r: TrialRecord): number {
  return INVARIANTS.reduce((n, i) => n + r.violations[i].length, 0);
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const workflows = CHAOS_WORKFLOWS.filter((w) => !opts.only || w.name === opts.only);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drillctl-chaos-'));
  const started = Date.now();
  log(`seed ${opts.seed}, ${opts.trials} trials per workflow; logs in ${dir}`);

  const sandbox = await startSandbox({ dataDir: path.join(dir, 'sandbox') });
  // Traffic settles and probes answer at test pace, not the demo's, so a trial takes seconds.
  sandbox.cloudRun.setPropagationDelay(100);
  for (const env of [SANDBOX_ENVIRONMENT, SANDBOX_ROLLOUT_ENVIRONMENT]) {
    const e = sandbox.config.environments[env]!;
    e.rollback = { ...e.rollback, probeIntervalMs: 100 };
  }
  fs.writeFileSync(sandbox.configPath, stringify(sandbox.config));
  const config = readConfigFile(sandbox.configPath);

  const procs = new ChaosProcesses(dir, await freePort(), sandbox.configPath);
  const records: TrialRecord[] = [];
  let ctx: ChaosContext | undefined;
  try {
    await procs.startServer();
    await procs.startWorker();
    const target = resolveTemporalTarget({ address: procs.address, namespace: 'default' });
    const temporal = await connectClient(target);
    const { project, region, grpcAddress } = sandbox.cloudRun;
    ctx = { sandbox, config, temporal, drill: new DrillClient(temporal, target, config), cloudRun: new ServicesClient(cloudRunClientOptions({ project, region, apiEndpoint: grpcAddress, sandbox: true })) };
    const rng = new Prng(opts.seed);
    for (const wf of workflows) {
      const baseline = await runTrial(ctx, procs, wf, 'none', 0, opts.seed, 0);
      records.push(baseline);
      log(`${wf.name}: undisturbed run ${(baseline.durationMs / 1000).toFixed(1)} s, ${violationCount(baseline)} violations`);
      const trials: { kind: FaultKind; seed: number }[] = opts.replay
        ? [opts.replay]
        : Array.from({ length: opts.trials }, (_, i) => ({ kind: i % 2 === 0 ? 'worker' : 'server', seed: rng.nextSeed() }));
      // Kill instants are drawn over the shortest run seen: the first run is slowed by cold starts.
      let spanMs = baseline.durationMs;
      for (const [i, t] of trials.entries()) {
        const r = await runTrial(ctx, procs, wf, t.kind, i + 1, t.seed, spanMs, baseline.updatesApplied);
        records.push(r);
        spanMs = Math.min(spanMs, r.durationMs);
        const kills = r.faults.map((f) => `${f.process} at ${(f.atMs / 1000).toFixed(1)} s${f.runWasOpen ? '' : ' (after close)'}`).join(', ');
        log(`${wf.name} #${i + 1} ${t.kind} (seed ${t.seed}): ${kills}; ${(r.durationMs / 1000).toFixed(1)} s, ${violationCount(r)} violations`);
      }
    }
  } finally {
    await ctx?.cloudRun.close().catch(() => undefined);
    await ctx?.temporal.connection.close().catch(() => undefined);
    await procs.stop();
    await sandbox.stop();
  }

  const rows = tabulate(records);
  console.log(markdownTable(rows));
  const failing = records.filter((r) => violationCount(r) > 0);
  for (const r of failing) {
    console.log(`\nFAILED ${r.workflow} #${r.index} (${r.kind}), seed ${r.seed}: replay with npm run chaos -- --only ${r.workflow} --replay ${r.seed} --kind ${r.kind}`);
    for (const i of INVARIANTS) for (const v of r.violations[i]) console.log(`  ${i}: ${v}`);
  }
  const out = { date: new Date().toISOString(), seed: opts.seed, trialsPerWorkflow: opts.trials, durationSeconds: Math.round((Date.now() - started) / 1000), machine: machine(), table: rows, trials: records };
  fs.writeFileSync(opts.out, JSON.stringify(out, null, 2) + '\n');
  console.log(`\n${records.length} runs in ${out.durationSeconds} s, ${failing.length} with violations; written to ${path.relative(process.cwd(), opts.out)}`);
  if (failing.length === 0) fs.rmSync(dir, { recursive: true, force: true });
  process.exitCode = failing.length > 0 ? 1 : 0;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
