import { CancellationScope, ChildWorkflowCancellationType, ChildWorkflowFailure, condition, executeChild } from '@temporalio/workflow';
import type { RolloutGate, RolloutStep } from '../../domain/rollout/plan-schema';
import type { GateRecord } from '../../domain/rollout/records';
import { trafficLockChildId } from '../../shared/traffic-lock';
import { causeMessage } from '../plumbing/cause-message';
import { childResult } from '../plumbing/failure-result';
import type { WithConclusion } from '../../shared/run-conclusion';
import { RolloutStop, type RolloutRun } from './run';

/** What a child drill reports about itself, whatever its kind. */
interface DrillVerdict {
  verdict?: string;
  reasons?: string[];
  checks?: { name: string; ok: boolean; detail: string }[];
  rtoSeconds?: number;
}

function gateDetail(r: DrillVerdict, seconds: number): string {
  const why = [...(r.reasons ?? []), ...(r.checks ?? []).filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`)];
  const rto = r.rtoSeconds !== undefined ? `, RTO ${r.rtoSeconds} s` : '';
  return `${r.verdict ?? 'no verdict'} in ${seconds.toFixed(1)} s${rto}${why.length ? `: ${why.join('; ')}` : ''}`;
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

export async function runGate(run: RolloutRun, step: string, gate: RolloutGate | 'preflight-health', workflowType: string, childInput: unknown): Promise<GateRecord> {
  const { workflowId } = run;
  const childId = trafficLockChildId(workflowId, `${step}-${gate}`);
  const t0 = Date.now();
  let record: GateRecord;
  try {
    const result = await untilStopped(run, () =>
      executeChild<(i: unknown) => Promise<DrillVerdict>>(workflowType, {
        workflowId: childId,
        args: [childInput],
        staticSummary: `${gate} gate before step ${step} of rollout ${workflowId}`,
        // A drill that changes traffic must finish its own restore before the rollout restores.
        cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
        parentClosePolicy: 'REQUEST_CANCEL',
      }),
    );
    const seconds = (Date.now() - t0) / 1000;
    record = { step, gate, workflowType, workflowId: childId, status: result.verdict === 'PASS' ? 'passed' : 'failed', seconds, detail: gateDetail(result, seconds) };
  } catch (err) {
    if (err instanceof RolloutStop) throw err;
    if (!(err instanceof ChildWorkflowFailure) && !(err instanceof Error && err.name === 'WorkflowExecutionAlreadyStartedError')) throw err;
    // A drill whose verdict is FAIL fails with its whole result in the failure's details.
    const failed = childResult<DrillVerdict & WithConclusion>(err);
    const seconds = (Date.now() - t0) / 1000;
    record = { step, gate, workflowType, workflowId: childId, status: 'failed', seconds, detail: failed ? `${gateDetail(failed, seconds)}${failed.conclusion ? `. ${failed.conclusion.summary}` : ''}` : causeMessage(err) };
  }
  run.state.gates.push(record);
  run.note('gate', `${gate}: ${record.status.toUpperCase()} (${record.detail})`);
  return record;
}

/** The gates of a step, as child drills, in the plan's order; one that passed before (a run ago) is not run again. */
export async function runGates(run: RolloutRun, step: RolloutStep, index: number): Promise<void> {
  const { state, input, plan } = run;
  for (const gate of step.gates) {
    if (state.gates.some((g) => g.step === step.name && g.gate === gate && g.status === 'passed')) continue;
    run.checkStop();
    const launch = input.gates[gate];
    if (!launch) throw new RolloutStop(`gate ${gate} of step ${step.name} has no drill input (the environment has no section for it)`, 'rollout');
    run.showDetails(`Step **${step.name}**: running the **${gate}** gate`);
    let childInput = launch.input;
    if (gate === 'rollback') {
      // With candidate traffic from the step before, the drill rolls back to the stable
      // revisions and restores the split; before that, nothing but stable serves, and the drill
      // picks its own target (the revision before stable), proving the rollback path itself.
      const candidateServes = (plan.steps[index - 1]?.percent ?? 0) > 0;
      const targets = candidateServes ? Object.fromEntries(state.services.map((s) => [s.role, s.stable])) : {};
      // The child acts under the rollout's authority: the initiator who passed the rollout's own
      // production guard (a made-up "carol (rollout ...)" is on no approver list).
      childInput = { ...(launch.input as object), mode: 'apply', targets, requestedBy: input.initiator, ...(input.confirmation ? { confirmation: input.confirmation } : {}) };
    }
    const record = await runGate(run, step.name, gate, launch.workflowType, childInput);
    if (record.status !== 'passed') throw new RolloutStop(`gate ${gate} failed before step ${step.name}: ${record.detail}`, 'rollout');
  }
}
