import { plural } from '../plural';
import { durationMs, formatDuration } from './duration';
import { effectiveTags, type RolloutPlan } from './plan-schema';
import { openingText, stepOpenings, type StepOpening } from './plan-windows';
import type { CompiledChangeWindows } from '../change-window';

export interface PlannedStep {
  index: number;
  name: string;
  percent: number;
  tag?: string;
  gates: string[];
  hooks: string[];
  approval: string;
  approvalTimeoutMs?: number;
  bakeMs: number;
  /** Readings the bake takes at its interval (0 without analysis). */
  readings: number;
  /** Expected start and end after the rollout starts, counting bakes only (gates and people take their own time). */
  startsAfterMs: number;
  endsAfterMs: number;
  /** Under the environment's change windows, when the rollout starts at the timeline's `from`. */
  window?: StepOpening;
}

export interface PlanTimeline {
  environment: string;
  serviceGroup: string;
  finish: string;
  steps: PlannedStep[];
  /** The sum of every bake: the least a rollout that nobody pauses can take. */
  expectedTotalMs: number;
  approvals: number;
  /** Approvals without a timeout can wait for ever; then there is no upper bound. */
  longestWithApprovalsMs?: number;
  /** With change windows: the start the step openings assume (ISO), and the windows' zone. */
  windows?: { from: string; timeZone: string };
}

function approvalText(a: RolloutPlan['steps'][number]['approval']): string {
  if (!a.required) return 'none';
  const who = a.approvers.length ? a.approvers.join(', ') : 'anyone';
  const initiator = a.allowInitiator ? '' : ', not the initiator';
  const timeout = a.timeout ? `, within ${formatDuration(durationMs(a.timeout))} or ${a.onTimeout}` : ', no timeout';
  return `${who}${initiator}${timeout}`;
}

/** What `rollout plan` prints: every step with its expected start, bake and controls, and the total. */
export function planTimeline(plan: RolloutPlan, under?: { windows: CompiledChangeWindows; fromMs: number }): PlanTimeline {
  const tags = effectiveTags(plan.steps);
  const openings = under ? stepOpenings(plan, under.windows, under.fromMs) : undefined;
  let at = 0;
  let worst = 0;
  let bounded = true;
  const steps = plan.steps.map((s, index): PlannedStep => {
    const bakeMs = durationMs(s.bake);
    const intervalMs = s.analysis ? durationMs(s.analysis.interval) : 0;
    const approvalTimeoutMs = s.approval.required && s.approval.timeout ? durationMs(s.approval.timeout) : undefined;
    if (s.approval.required && approvalTimeoutMs === undefined) bounded = false;
    if (s.approval.required && s.approval.onTimeout === 'hold') bounded = false;
    worst += bakeMs + (approvalTimeoutMs ?? 0);
    const step: PlannedStep = {
      index,
      name: s.name,
      percent: s.percent,
      tag: tags[index],
      gates: [...s.gates],
      hooks: s.hooks.map((h) => h.name),
      approval: approvalText(s.approval),
      approvalTimeoutMs,
      bakeMs,
      readings: intervalMs > 0 ? Math.max(1, Math.floor(bakeMs / intervalMs)) : 0,
      startsAfterMs: at,
      endsAfterMs: at + bakeMs,
      ...(openings ? { window: openings[index]! } : {}),
    };
    at += bakeMs;
    return step;
  });
  return {
    environment: plan.environment,
    serviceGroup: plan.serviceGroup,
    finish: plan.finish.traffic === 'latest' ? 'traffic follows LATEST' : 'traffic stays pinned to the candidate',
    steps,
    expectedTotalMs: at,
    approvals: plan.steps.filter((s) => s.approval.required).length,
    longestWithApprovalsMs: bounded ? worst : undefined,
    ...(under ? { windows: { from: new Date(under.fromMs).toISOString(), timeZone: under.windows.timeZone } } : {}),
  };
}

/** The timeline as text for people. */
export function renderPlanTimeline(t: PlanTimeline): string {
  const lines = [`Rollout plan for ${t.environment} / ${t.serviceGroup} (${plural(t.steps.length, 'step')}; at the end ${t.finish})`, ''];
  for (const s of t.steps) {
    lines.push(`${s.index + 1}. ${s.name}: ${s.percent}% to the candidate${s.tag ? `, tag ${s.tag}` : ''}  [T+${formatDuration(s.startsAfterMs)} .. T+${formatDuration(s.endsAfterMs)}]`);
    lines.push(`   gates: ${s.gates.join(', ') || 'none'}; approval: ${s.approval}`);
    lines.push(`   bake: ${formatDuration(s.bakeMs)}${s.readings ? ` with ${plural(s.readings, 'analysis reading')}` : ''}${s.hooks.length ? `; cohort hooks: ${s.hooks.join(', ')}` : ''}`);
    if (s.window) lines.push(`   ${openingText(s.window)}`);
  }
  lines.push('');
  lines.push(`Expected total: ${formatDuration(t.expectedTotalMs)} of bakes, plus gates${t.approvals === 0 ? '' : t.approvals === 1 ? ' and the time the approval takes' : ` and the time ${t.approvals} approvals take`}.`);
  lines.push(t.longestWithApprovalsMs !== undefined ? `Longest, if every approval waits until its timeout: ${formatDuration(t.longestWithApprovalsMs)}.` : 'No upper bound: at least one approval waits without a timeout or holds on timeout.');
  if (t.windows) lines.push(`Change windows (${t.windows.timeZone}): the times above assume a start at ${t.windows.from} and instant gates and approvals; a step's shift waits for the next opening.`);
  return lines.join('\n');
}
