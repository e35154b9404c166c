import type { GateStep } from '../../shared/readiness-gate';
import type { HealthDrillResult } from '../../shared/health';
import { code, secondsText } from './markdown';

/** Figures of one drill for the report's Outcomes section. */
type OutcomeRenderer = (result: never) => string[];

const renderers: Partial<Record<GateStep['drill'], OutcomeRenderer>> = {
  health: (r: HealthDrillResult) =>
    r.checks.map((c) => `${c.name}: ${c.ok ? 'ok' : 'FAIL'} after ${c.attempts} attempt(s) in ${secondsText(c.durationMs / 1000)}${c.servingRevision ? ` (served by ${code(c.servingRevision)})` : ''}${c.ok ? '' : `: ${c.detail}`}`),
};

export function outcomeLines(step: GateStep): string[] {
  if (step.status === 'not-configured' || step.status === 'skipped') return [`Not run: ${step.error}.`];
  if (step.result === undefined) return [`Failed before producing a result: ${step.error}.`];
  const render = renderers[step.drill];
  return render ? render(step.result as never) : [`Verdict: ${(step.result as { verdict?: string }).verdict ?? 'unknown'}.`];
}
