import type { HealthConfig } from '../domain/config/schema';
import type { CloudRunTarget } from '../domain/traffic/cloud-run-target';
import type { RunConclusion } from './run-conclusion';

export const HEALTH_WORKFLOW = 'healthDrill';

export type HealthCheckName = 'backend-version' | 'backend-root' | 'dashboard' | `cloud-run-ready:${string}`;

/** What a caller asks for; the worker resolves the rest from its own config. */
export interface HealthDrillRequest {
  environment: string;
}

/** The drill's settings as the worker resolved them (and, before the worker owned its config, the input). */
export interface HealthDrillInput {
  environment: string;
  health: HealthConfig;
  /** Cloud Run readiness (the Ready condition) of every service of the environment's service groups. */
  cloudRun?: CloudRunTarget;
  cloudRunServices?: string[];
}

export interface HealthCheckResult {
  name: HealthCheckName;
  target: string;
  ok: boolean;
  attempts: number;
  /** From the first attempt to the final answer, on workflow time. */
  durationMs: number;
  detail: string;
  /** Revision that answered, when the response named one. */
  servingRevision?: string;
}

export type Verdict = 'PASS' | 'FAIL';

export interface HealthDrillResult {
  workflowId: string;
  environment: string;
  verdict: Verdict;
  checks: HealthCheckResult[];
  startedAt: string;
  durationMs: number;
  /** How it ended: on a FAIL each failed check as a cause. A health drill changes nothing. */
  conclusion?: RunConclusion;
}

export function healthWorkflowId(environment: string, startedAt: Date): string {
  return `health-${environment}-${startedAt.toISOString().replace(/[:.]/g, '').toLowerCase()}`;
}
