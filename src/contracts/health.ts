import type { HealthConfig } from '../domain/config/schema';
import type { CloudRunTarget } from '../domain/traffic/cloud-run-target';
export type { HealthCheckName, HealthCheckResult, Verdict, HealthDrillResult } from '../domain/results/health';

export const HEALTH_WORKFLOW = 'healthDrill';

/** What a caller asks for; the worker resolves the rest from its own config. */
export interface HealthDrillRequest {
  environment: string;
  /** Read Cloud Run readiness of this service group's services only (a rollout's or gate's); default: every group's. */
  group?: string;
}

/** The drill's settings as the worker resolved them (and, before the worker owned its config, the input). */
export interface HealthDrillInput {
  environment: string;
  health: HealthConfig;
  /** Cloud Run readiness (the Ready condition) of these services: the requested group's, or every group's. */
  cloudRun?: CloudRunTarget;
  cloudRunServices?: string[];
}

export function healthWorkflowId(environment: string, startedAt: Date): string {
  return `health-${environment}-${startedAt.toISOString().replace(/[:.]/g, '').toLowerCase()}`;
}
