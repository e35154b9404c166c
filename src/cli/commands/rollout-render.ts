import { describeAllocation } from '../../domain/traffic/allocation';
import { formatDuration } from '../../domain/rollout/duration';
import type { TimelineEntry } from '../../domain/rollout/records';
import type { RolloutStatus } from '../../contracts/rollout';
import { table } from '../output';

/** One timeline entry on one line. */
export function timelineLine(t: TimelineEntry): string {
  return `${t.at.slice(0, 19).replace('T', ' ')} ${t.event}${t.step ? ` [${t.step}]` : ''}${t.by ? ` by ${t.by}` : ''}: ${t.detail}`;
}

/** The status of a running rollout, for people. */
export function renderStatus(s: RolloutStatus, opts: { timelineEntries?: number } = {}): string {
  const step = s.stepIndex >= 0 && s.stepIndex < s.stepCount ? `step ${s.stepIndex + 1} of ${s.stepCount} (${s.currentStep})` : s.phase;
  const rec = s.steps[s.stepIndex];
  const lines = [
    `Rollout ${s.workflowId} (${s.environment} / ${s.group}), started by ${s.initiator} at ${s.startedAt}`,
    `Now: ${step}: ${s.phase}${s.paused ? `, PAUSED by ${s.pausedBy}` : ''}${s.abortReason ? `; stopping: ${s.abortReason}` : ''}`,
  ];
  if (rec?.bakeStartedAt && s.phase === 'baking') lines.push(`Bake: ${formatDuration(rec.bakedMs)} of ${formatDuration(rec.bakeMs)}${rec.bakeSkipped ? ' (skipped)' : ''}, ${rec.readings} analysis reading(s)`);
  if (s.changeWindow) lines.push(`Waiting for the change window since ${s.changeWindow.since} (${s.changeWindow.change}): ${s.changeWindow.detail}`, `  override (signed): drillctl rollout override-window ${s.workflowId} --step ${s.changeWindow.step} --reason "..." --key FILE`);
  if (s.compensation === 'stuck') lines.push(`COMPENSATION FAILING: ${s.compensationDetail}`);
  if (s.services.length) {
    lines.push('', table(['service', 'stable', 'candidate', 'traffic'], s.services.map((x) => [x.service, x.stable, x.candidate, describeAllocation(s.traffic[x.role] ?? [])])));
  }
  const checks = Object.values(s.checks);
  if (checks.length) lines.push('', table(['check', 'state', 'reading'], checks.map((c) => [c.check, c.ok ? 'ok' : c.notEnoughData === 'hold' ? 'NOT ENOUGH DATA (holds the step)' : `FAILING since ${c.failingSince ?? '?'}`, c.detail])));
  if (s.gates.length) lines.push('', table(['gate', 'before', 'result', 'detail'], s.gates.map((g) => [g.gate, g.step, g.status, g.detail])));
  const decided = s.approvals.filter((a) => a.decision !== 'not-required');
  if (decided.length) lines.push('', table(['approval', 'step', 'by', 'reason'], decided.map((a) => [a.decision, a.step, a.by ?? '', `${a.reason ?? ''}${a.ticket ? ` (${a.ticket})` : ''}`])));
  if (s.windowOverrides?.length) lines.push('', table(['window override', 'by', 'reason'], s.windowOverrides.map((o) => [o.step, o.by, o.reason])));
  const recent = s.timeline.slice(-(opts.timelineEntries ?? 8));
  if (recent.length) lines.push('', 'Recent:', ...recent.map((t) => `  ${timelineLine(t)}`));
  if (s.webUiUrl) lines.push('', `Web UI: ${s.webUiUrl}`);
  return lines.join('\n');
}
