import { condition } from '@temporalio/workflow';
import { durationMs, formatDuration } from '../../domain/rollout/duration';
import type { RolloutStep } from '../../domain/rollout/plan-schema';
import { approvalStanding, type ApprovalStanding } from '../../domain/rollout/progress';
import { nowIso, RolloutStop, type RolloutRun } from './run';

/**
 * Waits for the step's approval. Without a timeout it waits for a decision; with one, a timeout
 * either aborts (the rollout compensates) or holds at the current traffic until someone approves
 * or aborts, as the plan's `onTimeout` says. A rejection or an abort meanwhile stops the rollout.
 */
export async function awaitApproval(run: RolloutRun, step: RolloutStep): Promise<void> {
  const { state, input, workflowId } = run;
  const standing = (): ApprovalStanding => approvalStanding(step.approval.required, state.approvals.filter((a) => a.step === step.name));
  const now = standing();
  if (now === 'not-required') {
    if (!state.approvals.some((a) => a.step === step.name)) state.approvals.push({ step: step.name, decision: 'not-required', at: nowIso() });
    return;
  }
  if (now === 'approved') return;
  const who = step.approval.approvers.length ? step.approval.approvers.join(', ') : `anyone${step.approval.allowInitiator ? '' : ` but ${input.initiator}`}`;
  const command = `drillctl rollout approve ${workflowId} --step ${step.name} --reason "..."`;
  const timeoutMs = step.approval.timeout ? durationMs(step.approval.timeout) : undefined;
  const waitText = `Step **${step.name}** (${step.percent} %) **waits for approval** by ${who}${timeoutMs !== undefined ? ` within ${formatDuration(timeoutMs)} (then ${step.approval.onTimeout})` : ''}`;
  run.setPhase('awaiting-approval', waitText, [`Approve: \`${command}\``, `Reject: \`drillctl rollout reject ${workflowId} --step ${step.name} --reason "..."\``]);
  run.note('awaiting-approval', `approvers: ${who}${timeoutMs !== undefined ? `; timeout ${formatDuration(timeoutMs)}, then ${step.approval.onTimeout}` : ''}`);
  await run.notify('awaiting-approval', `Step ${step.name} (${step.percent} % to the candidate) waits for approval by ${who}. Approve with: ${command}`);
  const decided = (): boolean => !!state.abortReason || standing() === 'approved';
  const inTime = timeoutMs === undefined ? (await condition(decided), true) : await condition(decided, timeoutMs, { summary: `approval of step ${step.name} times out` });
  run.checkStop();
  if (inTime) return;
  state.approvals.push({ step: step.name, decision: 'timed-out', at: nowIso() });
  run.note('approval-timeout', `no decision within ${formatDuration(timeoutMs!)}; the plan says ${step.approval.onTimeout}`);
  if (step.approval.onTimeout === 'abort') throw new RolloutStop(`approval of step ${step.name} timed out after ${formatDuration(timeoutMs!)}; the plan says abort`, 'rollout');
  run.showDetails(`Step **${step.name}**: approval timed out; **holding** at the current traffic until someone approves or aborts`, [`Approve: \`${command}\``, `Abort: \`drillctl rollout abort ${workflowId} --reason "..."\``]);
  await run.notify('approval-timeout', `No decision on step ${step.name} within ${formatDuration(timeoutMs!)}; holding at the current traffic. Approve with: ${command}, or abort.`);
  await condition(decided);
  run.checkStop();
}
