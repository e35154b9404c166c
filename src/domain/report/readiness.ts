import { drillName } from '../acceptance';
import type { AttestationRecord, GateStep, ReadinessGateResult } from '../results/readiness-gate';
import { bullets, code, document, heading, numbered, secondsText } from './markdown';
import { outcomeLines } from './outcomes';

const OBJECTIVES = [
  'Verify baseline health of the backend, the dashboard and Cloud Run readiness.',
  'Verify the backup/restore path: export a snapshot, verify it, restore it and prove the data matches.',
  'Verify the projection replay path from the runtime\'s durable history, with parity against history.',
  'Verify the rollback path and measure RTO against the target on the data plane.',
  'Confirm on-call and escalation docs are current (named attestation).',
];

/** Whether the attester's name was proven by a signature (and which key), or only typed. */
function proof(a: AttestationRecord): string {
  return a.signature === 'verified' ? ` (signed, key ${a.key})` : a.signature === 'unsigned' ? ' (unsigned)' : '';
}

function stepLine(step: GateStep): string {
  const what = `${drillName(step.drill)}: ${code(step.workflowType)}`;
  if (step.status === 'not-configured' || step.status === 'skipped') return `${what}: ${step.status.toUpperCase()} (${step.error})`;
  return `${what} workflow ${code(step.workflowId ?? '?')}: ${step.status === 'passed' ? 'PASS' : 'FAIL'} in ${secondsText(step.seconds)}${step.error && step.status === 'failed' ? ` (${step.error})` : ''}`;
}

/**
 * The readiness report in the G7 report's shape (docs/origins.md) (objectives, RTO target, steps, outcomes, acceptance
 * criteria, remaining work), rendered only from the gate's result: the same result always gives
 * the same bytes.
 */
export function renderReadinessMarkdown(r: ReadinessGateResult): string {
  const a = r.attestation;
  return document([
    heading(1, `Readiness Gate Report: ${r.environment} / ${r.group}`),
    [`Date: ${r.startedAt.slice(0, 10)}  `, `Scope: readiness gate ${code(r.workflowId)} in ${r.environment} (${r.scope}), started by ${r.initiator}  `, `Verdict: **${r.verdict}**`].join('\n'),
    heading(2, 'Drill Objectives'),
    numbered(OBJECTIVES),
    heading(2, 'RTO Target'),
    bullets([`Rollback target RTO: <= ${secondsText(r.rtoTargetSeconds)}.`]),
    heading(2, 'Steps Executed'),
    numbered([...r.steps.map(stepLine), `On-call docs attestation: ${a.state === 'attested' ? `attested by ${a.attester}${proof(a)} at ${a.at}` : a.state === 'timed-out' ? `not attested within ${a.timeoutSeconds} s` : a.state}`]),
    heading(2, 'Outcomes'),
    ...r.steps.map((s) => `${capitalise(drillName(s.drill))}:\n\n${bullets(outcomeLines(s))}`),
    `On-call docs:\n\n${bullets(a.state === 'attested' ? [`Attested by ${a.attester}${proof(a)}: ${a.reason}`, ...(a.docs?.length ? [`Docs reviewed: ${a.docs.join(', ')}`] : [])] : [`Not attested (${a.state}).`])}`,
    `Gate duration: ${secondsText(r.totalSeconds)}.`,
    heading(2, 'Acceptance Criteria Status'),
    numbered(r.criteria.map((c) => `${c.text}: ${c.status} (${c.detail}).`)),
    heading(2, 'Remaining Work'),
    r.remainingWork.length ? bullets(r.remainingWork) : 'None.',
  ]);
}

/** The same content as JSON: the result itself, with stable key order. */
export function renderReadinessJson(r: ReadinessGateResult): string {
  return JSON.stringify(r, null, 2) + '\n';
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
