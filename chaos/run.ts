// `npm run chaos [-- --trials N] [-- --server-trials M] [-- --seed S] [-- --only NAME] [-- --parallel P] [-- --out FILE]`:
// each traffic-changing workflow runs once undisturbed, then N times (default 20) with a SIGKILL of
// the worker at a uniformly random instant of the run, then M times (default 6) with a SIGKILL of
// the Temporal dev server (history in a SQLite file; every other one also kills the worker at its
// own instant), each process restarted after a random delay. After every trial the invariants are
// checked from outside the product; a table goes to stdout, every trial to chaos/results.json, and
// the exit code is 1 on any violation. Trials run in parallel lanes (a workflow's `lanes`, up to
// --parallel at once, default two per core), each lane on its own sandbox, dev server and worker, so
// one lane's kills never touch another's runs.
// `--replay SEED --kind worker|server|both --only NAME` runs one trial again.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machine } from '../bench/harness';
import { INVARIANTS } from './invariants';
import { log, runLane, violationCount } from './lane';
import { markdownTable, tabulate } from './report';
import { FAULT_KINDS, type FaultKind, type TrialRecord } from './trial';
import { CHAOS_WORKFLOWS, type ChaosWorkflow } from './workflows';

interface Options {
  trials: number;
  serverTrials: number;
  seed: number;
  only?: string;
  parallel: number;
  out: string;
  /** Internal: the folder a lane started by this command writes its logs to. */
  dir?: string;
  /** Internal: the lane runs every `of`-th trial from `index`. */
  part?: { index: number; of: number };
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
  const int = (name: string, fallback: number, min = 0): number => {
    const v = value(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number of at least ${min} (got ${v})`);
    return n;
  };
  const internal = ['--dir', '--part'];
  const known = new Set(['--trials', '--server-trials', '--seed', '--only', '--parallel', '--out', '--replay', '--kind', ...internal]);
  for (const a of argv) if (a.startsWith('--') && !known.has(a)) throw new Error(`unknown option ${a}; known: ${[...known].filter((k) => !internal.includes(k)).join(', ')}`);
  const only = value('--only');
  if (only && !CHAOS_WORKFLOWS.some((w) => w.name === only)) throw new Error(`--only: no workflow named ${only}; known: ${CHAOS_WORKFLOWS.map((w) => w.name).join(', ')}`);
  const kind = value('--kind') ?? 'worker';
  if (!FAULT_KINDS.includes(kind as FaultKind)) throw new Error(`--kind must be one of ${FAULT_KINDS.join(', ')} (got ${kind})`);
  const replay = value('--replay');
  if (replay !== undefined && !only) throw new Error('--replay needs --only NAME: the workflow of the trial to run again');
  const dir = value('--dir');
  const part = /^(\d+)\/(\d+)$/.exec(value('--part') ?? '');
  return {
    trials: int('--trials', 20),
    serverTrials: int('--server-trials', 6),
    seed: int('--seed', Math.floor(Math.random() * 2 ** 31)),
    ...(only ? { only } : {}),
    // Lanes mostly wait on heartbeat timeouts, but each runs a dev server, a sandbox and a worker:
    // more than two per core starve each other (12 on 2 cores took 316 s for the CI-sized run, 4 took 285 s).
    parallel: int('--parallel', 2 * os.cpus().length, 1),
    out: path.resolve(value('--out') ?? path.join(__dirname, 'results.json')),
    ...(dir ? { dir } : {}),
    ...(part ? { part: { index: Number(part[1]), of: Number(part[2]) } } : {}),
    ...(replay !== undefined ? { replay: { seed: int('--replay', 0), kind: kind as FaultKind } } : {}),
  };
}

interface Results {
  trials: TrialRecord[];
}

interface Lane {
  wf: ChaosWorkflow;
  part: { index: number; of: number };
}

/** Each workflow's trials over its lanes (never more lanes than trials). */
function lanesOf(workflows: ChaosWorkflow[], opts: Options): Lane[] {
  const total = opts.replay ? 1 : opts.trials + opts.serverTrials;
  // A workflow spread over more lanes has the longer runs: its lanes start first, so they do not finish last.
  const longestFirst = [...workflows].sort((a, b) => b.lanes - a.lanes);
  return longestFirst.flatMap((wf) => {
    const of = Math.max(1, Math.min(wf.lanes, total));
    return Array.from({ length: of }, (_, index) => ({ wf, part: { index, of } }));
  });
}

/** One lane as a child process (its own sandbox, dev server and worker); its trials from the file it writes. */
async function laneProcess(opts: Options, { wf, part }: Lane, dir: string): Promise<TrialRecord[]> {
  const laneDir = path.join(dir, `${wf.name}-${part.index + 1}`);
  fs.mkdirSync(laneDir, { recursive: true });
  const out = path.join(laneDir, 'results.json');
  const args = ['--only', wf.name, '--trials', String(opts.trials), '--server-trials', String(opts.serverTrials), '--seed', String(opts.seed), '--parallel', '1', '--out', out, '--dir', laneDir, '--part', `${part.index}/${part.of}`];
  if (opts.replay) args.push('--replay', String(opts.replay.seed), '--kind', opts.replay.kind);
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', __filename, ...args], { stdio: ['ignore', fs.openSync(path.join(laneDir, 'table.md'), 'w'), 'inherit'] });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (!fs.existsSync(out)) {
    // The other lanes go on; this one's trials are missing from the table and the run fails.
    log(`the ${wf.name} lane (${part.index + 1} of ${part.of}) exited with ${code} without results; its logs are in ${laneDir}`);
    process.exitCode = 1;
    return [];
  }
  return (JSON.parse(fs.readFileSync(out, 'utf8')) as Results).trials;
}

/** Runs `fn` over `items`, at most `limit` at once, keeping their order in the result. */
async function pooled<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const workflows = CHAOS_WORKFLOWS.filter((w) => !opts.only || w.name === opts.only);
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'drillctl-chaos-'));
  const started = Date.now();
  const lanes = opts.parallel > 1 && !opts.part ? lanesOf(workflows, opts) : [];
  log(`seed ${opts.seed}, ${opts.trials} worker and ${opts.serverTrials} server trials per workflow, ${Math.max(1, lanes.length)} lanes; logs in ${dir}`);

  const records =
    lanes.length > 1
      ? (await pooled(lanes, opts.parallel, (lane) => laneProcess(opts, lane, dir))).flat()
      : await runLane({ workflows, trials: opts.trials, serverTrials: opts.serverTrials, seed: opts.seed, replay: opts.replay, dir, part: opts.part });
  // Lanes of one workflow interleave its trials; the table and the file list them in order.
  records.sort((a, b) => workflows.findIndex((w) => w.name === a.workflow) - workflows.findIndex((w) => w.name === b.workflow) || a.index - b.index);

  const rows = tabulate(records);
  console.log(markdownTable(rows));
  const failing = records.filter((r) => violationCount(r) > 0);
  for (const r of failing) {
    console.log(`\nFAILED ${r.workflow} #${r.index} (${r.kind}), seed ${r.seed}: replay with npm run chaos -- --only ${r.workflow} --replay ${r.seed} --kind ${r.kind}`);
    for (const i of INVARIANTS) for (const v of r.violations[i]) console.log(`  ${i}: ${v}`);
  }
  const out = {
    date: new Date().toISOString(),
    seed: opts.seed,
    trialsPerWorkflow: opts.trials,
    serverTrialsPerWorkflow: opts.serverTrials,
    lanes: Math.max(1, lanes.length),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    machine: machine(),
    table: rows,
    trials: records,
  };
  fs.writeFileSync(opts.out, JSON.stringify(out, null, 2) + '\n');
  console.log(`\n${records.length} runs in ${out.durationSeconds} s, ${failing.length} with violations; written to ${path.relative(process.cwd(), opts.out)}`);
  if (failing.length === 0 && !opts.dir) fs.rmSync(dir, { recursive: true, force: true });
  if (failing.length > 0) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
