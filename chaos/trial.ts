import type { WorkflowHandle } from '@temporalio/client';
import type { ChaosContext } from './context';
import { appliedUpdates, checkInvariants, type Verdicts } from './invariants';
import type { ChaosProcesses } from './processes';
import { Prng } from './prng';
import type { ChaosWorkflow } from './workflows';

/**
 * `none`: an undisturbed run; `worker`: the worker is SIGKILLed; `server`: the Temporal dev server is
 * (the worker rides it out or exits and is restarted); `both`: each of them, at independent instants.
 */
export type FaultKind = 'none' | 'worker' | 'server' | 'both';
export const FAULT_KINDS: FaultKind[] = ['none', 'worker', 'server', 'both'];

export interface TrialRecord {
  workflow: string;
  kind: FaultKind;
  index: number;
  /** Replays this trial alone: `npm run chaos -- --only WORKFLOW --replay SEED --kind KIND`. */
  seed: number;
  /** Instants after the start (ms) of the SIGKILLs, how long each process stayed down, and whether the run was still open. */
  faults: { process: 'worker' | 'server'; atMs: number; downMs: number; runWasOpen: boolean }[];
  /** From the run's start to its close, as Temporal recorded them. */
  durationMs: number;
  updatesApplied: Record<string, number>;
  violations: Verdicts;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const CLOSE_TIMEOUT_MS = 300_000;

async function isOpen(handle: WorkflowHandle): Promise<boolean> {
  return handle.describe().then((d) => d.status.name === 'RUNNING', () => true);
}

/** Polls until the run closes; errors (the server is down) count as still open. */
async function waitClosed(handle: WorkflowHandle): Promise<boolean> {
  const deadline = Date.now() + CLOSE_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!(await isOpen(handle))) return true;
    await sleep(500);
  }
  return false;
}

async function restartWorker(procs: ChaosProcesses): Promise<void> {
  // While the server is down a new worker cannot connect and exits; try until it polls.
  for (let attempt = 1; ; attempt++) {
    try {
      await procs.startWorker();
      return;
    } catch (err) {
      if (attempt >= 60) throw err;
      await sleep(1000);
    }
  }
}

async function restartServer(procs: ChaosProcesses): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await procs.startServer();
      return;
    } catch (err) {
      if (attempt >= 5) throw err;
      await sleep(1000);
    }
  }
}

/**
 * One run of `wf` with its faults: the kill instants are uniform over `spanMs` (an undisturbed run's
 * duration), each process comes back after a uniform 0-3 s. Then the invariants, from outside.
 */
export async function runTrial(ctx: ChaosContext, procs: ChaosProcesses, wf: ChaosWorkflow, kind: FaultKind, index: number, seed: number, spanMs: number, baselineUpdates?: Record<string, number>): Promise<TrialRecord> {
  const rng = new Prng(seed);
  const plan: { process: 'worker' | 'server'; atMs: number; downMs: number }[] = [];
  if (kind === 'worker' || kind === 'both') plan.push({ process: 'worker', atMs: rng.between(0, spanMs), downMs: rng.between(0, 3000) });
  if (kind === 'server' || kind === 'both') plan.push({ process: 'server', atMs: rng.between(0, spanMs), downMs: rng.between(0, 3000) });
  if (!procs.workerAlive()) await restartWorker(procs);

  const trial = await wf.start(ctx, `t${seed.toString(36)}`);
  let closed = false;
  const driving = trial.drive(() => closed);
  const faults: TrialRecord['faults'] = [];
  // A worker that loses its server for long enough exits on its own; like a supervisor, bring it back.
  // Kills and restarts of the worker take turns, so there is never more than one.
  let workerTurn: Promise<void> = Promise.resolve();
  const withWorker = (fn: () => Promise<void>): Promise<void> => (workerTurn = workerTurn.then(fn, fn));
  const supervising = (async () => {
    while (!closed) {
      await withWorker(async () => {
        if (!closed && !procs.workerAlive()) await restartWorker(procs);
      }).catch(() => undefined);
      await sleep(500);
    }
  })();
  const injecting = Promise.all(
    plan.map(async (f) => {
      await sleep(f.atMs);
      const runWasOpen = await isOpen(trial.handle);
      faults.push({ ...f, runWasOpen });
      if (f.process === 'worker') {
        await withWorker(async () => {
          await procs.killWorker('SIGKILL');
          await sleep(f.downMs);
          await restartWorker(procs);
        });
      } else {
        await procs.killServer();
        await sleep(f.downMs);
        await restartServer(procs);
      }
    }),
  );
  const closedInTime = await Promise.all([injecting, waitClosed(trial.handle)]).then(([, ok]) => ok);
  closed = true;
  await Promise.all([driving, supervising]);
  if (!procs.workerAlive()) await restartWorker(procs);
  // The run's own span on Temporal's clock: kill instants of later trials are drawn over it.
  const described = await trial.handle.describe().catch(() => undefined);
  const durationMs = described?.closeTime ? described.closeTime.getTime() - described.startTime.getTime() : Date.now() - trial.startedMs;

  let violations: Verdicts;
  if (!closedInTime) {
    await trial.handle.terminate('chaos: the run did not close in time').catch(() => undefined);
    violations = await checkInvariants(ctx, wf, trial, { baselineUpdates });
    violations.outcome.unshift(`did not close within ${CLOSE_TIMEOUT_MS / 1000} s`);
  } else {
    violations = await checkInvariants(ctx, wf, trial, { baselineUpdates });
  }
  const updatesApplied = Object.fromEntries(Object.entries(appliedUpdates(ctx, wf, trial.startedMs)).map(([s, c]) => [s, c.length]));
  return { workflow: wf.name, kind, index, seed, faults, durationMs, updatesApplied, violations };
}
