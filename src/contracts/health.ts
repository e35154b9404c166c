import type { HealthConfig } from '../domain/config/schema';
import type { CloudRunTarget } from '../domain/traffic/cloud-run-target';
export type { HealthCheckName, HealthCheckResult, Verdict, HealthDrillResult } from '../domain/results/health';

export const HEALTH_WORKFLOW = 'healthDrill';

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

export function healthWorkflowId(environment: string, startedAt: Date): string {
  return `health-${environment}-${startedAt.toISOString().replace(/[:.]/g, '').toLowerCase()}`;
}
