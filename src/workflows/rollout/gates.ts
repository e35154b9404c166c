import { CancellationScope, ChildWorkflowCancellationType, ChildWorkflowFailure, condition, type ChildWorkflowOptions } from '@temporalio/workflow';
import type { RolloutGate, RolloutStep } from '../../domain/rollout/plan-schema';
import { unmetGates } from '../../domain/rollout/progress';
import type { GateRecord } from '../../domain/rollout/records';
import type { GateLaunch } from '../../contracts/rollout';
import { trafficLockChildId } from '../../contracts/traffic-lock';
import { causeMessage } from '../plumbing/cause-message';
import { executeDrill } from '../plumbing/drill-child';
import { childResult } from '../plumbing/failure-result';
import type { WithConclusion } from '../../contracts/run-conclusion';
import { awaitChangeWindow } from './change-window';
import { RolloutStop, type RolloutRun } from './run';

/** A gate as the rollout runs it: its kind (pre-flight health is a health drill too) and its child drill's launch. */
type Gate = { kind: 'preflight-health'; launch: GateLaunch<'health'> } | { [K in RolloutGate]: { kind: K; launch: GateLaunch<K> } }[RolloutGate];

/** What a gate's drill said, whatever its kind. */
interface GateVerdict {
  verdict: string;
  why: string[];
  rtoSeconds?: number;
}

/** Starts the gate's drill as a child, typed by its kind, and reads its verdict. */
async function runChild(gate: Gate, options: Omit<ChildWorkflowOptions, 'args' | 'typeInfo'>): Promise<GateVerdict> {
  switch (gate.kind) {
    case 'health':
    case 'preflight-health': {
      const r = await executeDrill('health', gate.launch.input, options);
      return { verdict: r.verdict, why: r.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`) };
    }
    case 'backup-restore': {
      const r = await executeDrill('backupRestore', gate.launch.input, options);
      return { verdict: r.verdict, why: [] };
    }
    case 'replay': {
      const r = await executeDrill('replay', gate.launch.input, options);
      return { verdict: r.verdict, why: [] };
    }
    case 'rollback': {
      const r = await executeDrill('rollback', gate.launch.input, options);
      return { verdict: r.verdict, why: r.reasons, ...(r.rtoSeconds !== undefined ? { rtoSeconds: r.rtoSeconds } : {}) };
    }
  }
}

function gateDetail(r: GateVerdict, seconds: number): string {
  const rto = r.rtoSeconds !== undefined ? `, RTO ${r.rtoSeconds} s` : '';
  return `${r.verdict} in ${seconds.toFixed(1)} s${rto}${r.why.length ? `: ${r.why.join('; ')}` : ''}`;
}

/** Runs a child drill; an abort request cancels it (waiting for its own cleanup) and stops the rollout. */
async function untilStopped<T>(run: RolloutRun, work: () => Promise<T>): Promise<T> {
  const scope = new CancellationScope();
  const running = scope.run(work);
  const watcher = new CancellationScope();
  const stopped = watcher.run(() => condition(() => !!run.state.abortReason));
  try {
    const first = await Promise.race([
      running.then(
        () => 'done' as const,
        () => 'done' as const,
      ),
      stopped.then(
        () => 'stop' as const,
        () => 'done' as const,
      ),
    ]);
    if (first === 'stop') {
      scope.cancel();
      await running.catch(() => undefined);
      run.checkStop();
    }
    return await running;
  } finally {
    watcher.cancel();
  }
}

/** Runs one gate before `step` and records it; a drill that failed or could not start is a failed gate, never a failed rollout. */
export async function runGate(run: RolloutRun, step: string, gate: Gate): Promise<GateRecord> {
  const { workflowId } = run;
  const childId = trafficLockChildId(workflowId, `${step}-${gate.kind}`);
  const { workflowType } = gate.launch;
  const t0 = Date.now();
  let record: GateRecord;
  try {
    const result = await untilStopped(run, () =>
      runChild(gate, {
        workflowId: childId,
        staticSummary: `${gate.kind} gate before step ${step} of rollout ${workflowId}`,
        // A drill that changes traffic must finish its own restore before the rollout restores.
        cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
        parentClosePolicy: 'REQUEST_CANCEL',
      }),
    );
    const seconds = (Date.now() - t0) / 1000;
    record = { step, gate: gate.kind, workflowType, workflowId: childId, status: result.verdict === 'PASS' ? 'passed' : 'failed', seconds, detail: gateDetail(result, seconds) };
  } catch (err) {
    if (err instanceof RolloutStop) throw err;
    if (!(err instanceof ChildWorkflowFailure) && !(err instanceof Error && err.name === 'WorkflowExecutionAlreadyStartedError')) throw err;
    // A drill whose verdict is FAIL fails with its whole result in the failure's details.
    const failed = childResult<WithConclusion & { rtoSeconds?: number }>(err);
    const seconds = (Date.now() - t0) / 1000;
    const detail = failed ? `${gateDetail({ verdict: failed.verdict, why: failed.conclusion ? [failed.conclusion.summary] : [], ...(failed.rtoSeconds !== undefined ? { rtoSeconds: failed.rtoSeconds } : {}) }, seconds)}` : causeMessage(err);
    record = { step, gate: gate.kind, workflowType, workflowId: childId, status: 'failed', seconds, detail };
  }
  run.state.gates.push(record);
  run.note('gate', `${gate.kind}: ${record.status.toUpperCase()} (${record.detail})`);
  return record;
}

/** The gate of kind `kind` as the step runs it; the rollback gate's drill gets its targets and authority here. */
function stepGate(run: RolloutRun, kind: RolloutGate, index: number): Gate | undefined {
  const { input, plan, state } = run;
  const launches = input.gates;
  switch (kind) {
    case 'health':
      return launches.health && { kind, launch: launches.health };
    case 'backup-restore':
      return launches['backup-restore'] && { kind, launch: launches['backup-restore'] };
    case 'replay':
      return launches.replay && { kind, launch: launches.replay };
    case 'rollback': {
      const launch = launches.rollback;
      if (!launch) return undefined;
      // With candidate traffic from the step before, the drill rolls back to the stable
      // revisions and restores the split; before that, nothing but stable serves, and the drill
      // picks its own target (the revision before stable), proving the rollback path itself.
      const candidateServes = (plan.steps[index - 1]?.percent ?? 0) > 0;
      const targets = candidateServes ? Object.fromEntries(state.services.map((s) => [s.role, s.stable])) : {};
      // The child acts under the rollout's authority: the initiator who passed the rollout's own
      // production guard (a made-up "carol (rollout ...)" is on no approver list).
      const request = { ...launch.input, mode: 'apply' as const, targets, requestedBy: input.initiator, ...(input.confirmation ? { confirmation: input.confirmation } : {}) };
      return { kind, launch: { ...launch, input: request } };
    }
  }
}

/** The gates of a step not passed yet (a run continued as new does not run a passed one again), as child drills in the plan's order. */
export async function runGates(run: RolloutRun, step: RolloutStep, index: number): Promise<void> {
  const { state } = run;
  for (const kind of unmetGates(step.gates, state.gates.filter((g) => g.step === step.name))) {
    run.checkStop();
    const gate = stepGate(run, kind, index);
    if (!gate) throw new RolloutStop(`gate ${kind} of step ${step.name} has no drill input (the environment has no section for it)`, 'rollout');
    // The rollback drill moves traffic: it waits for the change window like the shift.
    if (kind === 'rollback') await awaitChangeWindow(run, step, 'the rollback gate');
    run.showDetails(`Step **${step.name}**: running the **${kind}** gate`);
    const record = await runGate(run, step.name, gate);
    if (record.status !== 'passed') throw new RolloutStop(`gate ${kind} failed before step ${step.name}: ${record.detail}`, 'rollout');
  }
}
