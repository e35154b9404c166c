import { describeAllocation, type TrafficAllocation } from '../traffic/allocation';
import { formatDuration } from './duration';
import type { CheckState, RolloutService } from './records';

/** What the Web UI shows as the rollout's current details: where it is, the traffic, what it waits for. */
export interface DetailsView {
  headline: string;
  stepNumber?: number;
  stepCount: number;
  services: RolloutService[];
  traffic: Record<string, TrafficAllocation>;
  checks?: CheckState[];
  /** Lines under the table: commands to run, what is awaited. */
  notes?: string[];
}

export function trafficTable(services: RolloutService[], traffic: Record<string, TrafficAllocation>): string {
  if (services.length === 0) return '';
  return ['| service | stable | candidate | traffic |', '|---|---|---|---|', ...services.map((s) => `| ${s.service} | ${s.stable} | ${s.candidate} | ${traffic[s.role] ? describeAllocation(traffic[s.role]!) : '?'} |`)].join('\n');
}

export function checksTable(checks: CheckState[]): string {
  if (checks.length === 0) return '';
  return ['| check | state | reading |', '|---|---|---|', ...checks.map((c) => `| ${c.check} | ${c.ok ? 'ok' : c.notEnoughData === 'hold' ? '**NOT ENOUGH DATA**' : `**FAILING**${c.failingSince ? ` since ${c.failingSince.slice(11, 19)}` : ''}`} | ${c.detail} |`)].join('\n');
}

/** Markdown for `setCurrentDetails`. */
export function renderCurrentDetails(v: DetailsView): string {
  const step = v.stepNumber !== undefined ? ` (step ${v.stepNumber} of ${v.stepCount})` : '';
  return [`${v.headline}${step}`, trafficTable(v.services, v.traffic), v.checks ? checksTable(v.checks) : '', ...(v.notes ?? [])].filter((s) => s.length > 0).join('\n\n');
}

/** `12m 30s of 1h baked` for people. */
export function bakeText(bakedMs: number, bakeMs: number): string {
  return `${formatDuration(bakedMs)} of ${formatDuration(bakeMs)} baked`;
}
