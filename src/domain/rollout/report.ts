import type { RolloutResult, StepRecord } from '../results/rollout';
import { bullets, code, document, heading, numbered, passFail, secondsText } from '../report/markdown';
import { allocationsEqual, describeAllocation } from '../traffic/allocation';
import { formatDuration } from './duration';
import { effectiveTags } from './plan-schema';
import type { ApprovalRecord, GateRecord } from './records';

export interface RolloutCriterion {
  id: 'gates-passed' | 'approvals-named' | 'analysis-held' | 'traffic-as-intended';
  text: string;
  status: 'PASS' | 'FAIL';
  detail: string;
}

/** `2026-02-19 15:44:09`: rollouts span days, so the date stays. */
const time = (iso: string | undefined): string => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : '?');

function gateLine(g: GateRecord): string {
  return `${g.gate} ${g.status === 'passed' ? 'PASS' : 'FAIL'} (${code(g.workflowId)}: ${g.detail})`;
}

function approvalLine(a: ApprovalRecord): string {
  if (a.decision === 'not-required') return `${a.step}: no approval required`;
  if (a.decision === 'timed-out') return `${a.step}: approval timed out at ${a.at}`;
  const proof = a.signature === 'verified' ? ` (signed, key ${a.key})` : a.signature === 'unsigned' ? ' (unsigned)' : '';
  return `${a.step}: ${a.decision} by ${a.by}${proof}${a.via === 'signal' ? ' (Web UI)' : ''} at ${a.at}: "${a.reason}"${a.ticket ? `, ticket ${a.ticket}` : ''}`;
}

function stepLine(r: RolloutResult, rec: StepRecord): string {
  const gates = r.gates.filter((g) => g.step === rec.name);
  const approval = [...r.approvals].reverse().find((a) => a.step === rec.name);
  const parts = [
    `${code(rec.name)}: ${rec.percent} % to the candidate${rec.tag ? ` (tag ${rec.tag})` : ''}`,
    `gates: ${gates.length ? gates.map(gateLine).join(', ') : 'none'}`,
    `approval: ${approval ? approvalLine(approval).replace(`${rec.name}: `, '') : 'not reached'}`,
    rec.shiftedAt ? `traffic shifted at ${time(rec.shiftedAt)}` : 'traffic not shifted',
  ];
  if (rec.bakeStartedAt) {
    const changes = rec.bakeChanges.map((c) => `bake changed ${c.from} -> ${c.to} by ${c.by}: "${c.reason}"`);
    const skipped = rec.bakeSkipped ? [`bake skipped by ${rec.bakeSkipped.by}: "${rec.bakeSkipped.reason}"`] : [];
    parts.push(`baked ${formatDuration(rec.bakedMs)} of ${formatDuration(rec.bakeMs)} (planned ${formatDuration(rec.plannedBakeMs)})`, ...changes, ...skipped);
    if (rec.readings) parts.push(`analysis: ${rec.readings} reading(s), ${rec.failedReadings} with a failing check`);
    // Readings of per-revision checks name both sides, so a reader sees what the verdict compared.
    // A bake the rollout stopped in never stored its checks on the step: the current ones are its last.
    const checks = rec.checks.length || r.currentStep !== rec.name ? rec.checks : Object.values(r.checks);
    for (const c of checks.filter((x) => x.samples !== undefined || x.stable !== undefined || x.notEnoughData)) parts.push(`${c.check}: ${c.detail} (${c.ok ? 'PASS' : c.notEnoughData === 'hold' ? 'NOT ENOUGH DATA' : 'FAIL'})`);
  }
  parts.push(rec.completedAt ? `completed at ${time(rec.completedAt)}` : 'not completed');
  return parts.join('; ');
}

/** The rollout's acceptance criteria, decided only from its result. */
export function rolloutCriteria(r: RolloutResult): RolloutCriterion[] {
  const failedGates = r.gates.filter((g) => g.status !== 'passed');
  const required = r.plan.steps.filter((s, i) => s.approval.required && r.steps[i]?.shiftedAt);
  const unnamed = required.filter((s) => !r.approvals.some((a) => a.step === s.name && a.decision === 'approved' && a.by && a.reason));
  const stopped = (r.abortReason ?? '').startsWith('analysis of step');
  const restored = r.services.every((s) => r.traffic[s.role] && allocationsEqual(r.traffic[s.role]!, s.original));
  return [
    {
      id: 'gates-passed',
      text: 'Every expansion passed its gates first',
      status: passFail(failedGates.length === 0),
      detail: failedGates.length ? failedGates.map((g) => `${g.gate} before ${g.step}: ${g.detail}`).join('; ') : `${r.gates.length} gate run(s), all passed`,
    },
    {
      id: 'approvals-named',
      text: 'Every step that needed approval was approved by a named person with a reason',
      status: passFail(unnamed.length === 0),
      detail: unnamed.length ? `not approved: ${unnamed.map((s) => s.name).join(', ')}` : `${required.length} approval(s) with name and reason`,
    },
    {
      id: 'analysis-held',
      text: 'Analysis held through every bake (the stop rule never fired)',
      status: passFail(!stopped),
      detail: stopped ? r.abortReason! : `${r.steps.reduce((n, s) => n + s.readings, 0)} reading(s)`,
    },
    r.outcome === 'promoted'
      ? {
          id: 'traffic-as-intended',
          text: 'Every service ends on its candidate',
          status: passFail(r.services.every((s) => (r.traffic[s.role] ?? []).some((e) => e.percent === 100 && (e.type === 'LATEST' || e.revision === s.candidate)))),
          detail: r.services.map((s) => `${s.service}: ${describeAllocation(r.traffic[s.role] ?? [])}`).join('; '),
        }
      : {
          id: 'traffic-as-intended',
          text: 'Every service is back on its exact pre-rollout traffic',
          status: passFail(restored && r.compensation !== 'stuck' && r.compensation !== 'running'),
          detail: r.services.map((s) => `${s.service}: ${describeAllocation(r.traffic[s.role] ?? [])}${allocationsEqual(r.traffic[s.role] ?? [], s.original) ? '' : ` (expected ${describeAllocation(s.original)})`}`).join('; ') || 'no service was changed',
        },
  ];
}

/**
 * The rollout report, in the readiness report's style (headings, bullet figures, acceptance
 * criteria PASS/FAIL), rendered only from the workflow's result: the same result gives the same bytes.
 */
export function renderRolloutMarkdown(r: RolloutResult): string {
  const criteria = rolloutCriteria(r);
  const tags = effectiveTags(r.plan.steps);
  const done = r.steps.filter((s) => s.completedAt).length;
  const outcome = r.outcome === 'promoted' ? 'PROMOTED' : 'ABORTED';
  return document([
    heading(1, `Staged Rollout Report: ${r.environment} / ${r.group}`),
    [`Date: ${r.startedAt.slice(0, 10)}  `, `Scope: rollout ${code(r.workflowId)} in ${r.environment}, started by ${r.initiator}  `, `Outcome: **${outcome}** (${r.verdict})${r.conclusion ? '  ' : ''}`, ...(r.conclusion ? [`${r.verdict}: ${r.conclusion.summary}`] : [])].join('\n'),
    heading(2, 'Summary'),
    bullets([
      ...(r.outcome === 'aborted' ? [`Why it stopped: ${r.abortReason} (${r.abortedBy === 'rollout' ? 'automatic' : `by ${r.abortedBy}`}).`] : []),
      `Steps completed: ${done} of ${r.plan.steps.length}.`,
      `Duration: ${secondsText(r.totalSeconds)} (from ${r.startedAt} to ${r.finishedAt}).`,
      `Compensation: ${r.compensation === 'done' ? 'stable traffic restored on every service, cohort hooks undone' : r.compensation === 'released' ? 'not needed (finished)' : r.compensation}.`,
      ...(r.runs > 1 ? [`History: ${r.runs} runs (continue-as-new), audit trail carried whole${r.timelineDropped ? `, ${r.timelineDropped} oldest timeline entries dropped` : ''}.`] : []),
    ]),
    heading(2, 'Revisions'),
    r.services.length
      ? bullets(r.services.map((s) => `${s.role} ${code(s.service)}: stable ${code(s.stable)} -> candidate ${code(s.candidate)} (${s.candidateReason}); traffic now: ${describeAllocation(r.traffic[s.role] ?? [])}`))
      : 'Not resolved (stopped in pre-flight).',
    heading(2, 'Plan'),
    numbered(r.plan.steps.map((s, i) => `${code(s.name)}: ${s.percent} %${tags[i] ? `, tag ${tags[i]}` : ''}; gates: ${s.gates.join(', ') || 'none'}; approval: ${s.approval.required ? `${s.approval.approvers.join(', ') || 'anyone'}${s.approval.timeout ? `, timeout ${s.approval.timeout} then ${s.approval.onTimeout}` : ''}` : 'none'}; bake ${s.bake}${s.analysis ? ` with analysis every ${s.analysis.interval} (stop after ${s.analysis.stopAfter})` : ''}`)),
    heading(2, 'Steps Executed'),
    r.steps.length ? numbered(r.steps.map((s) => stepLine(r, s))) : 'None.',
    heading(2, 'Approvals'),
    r.approvals.length ? bullets(r.approvals.map(approvalLine)) : 'None.',
    ...(r.windowOverrides?.length
      ? [heading(2, 'Change Window Overrides'), bullets(r.windowOverrides.map((o) => `${o.step}: by ${o.by} (signed, key ${o.key}) at ${o.at}: "${o.reason}"; it let through: ${o.overrode}`))]
      : []),
    heading(2, 'Timeline'),
    bullets(r.timeline.map((t) => `${time(t.at)} ${t.event}${t.step ? ` [${t.step}]` : ''}${t.by ? ` by ${t.by}` : ''}: ${t.detail}`)),
    heading(2, 'Acceptance Criteria Status'),
    numbered(criteria.map((c) => `${c.text}: ${c.status} (${c.detail}).`)),
    heading(2, 'Remaining Work'),
    r.outcome === 'promoted' ? 'None.' : bullets([`Fix the cause (${r.abortReason}) and start a new rollout with \`drillctl rollout start -f <plan>\`.`]),
  ]);
}
