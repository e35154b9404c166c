// What a drill returns: plain data, shared by the workflows, the report renderers and the CLI.
import type { RunConclusion } from './conclusion';

export type HealthCheckName = 'backend-version' | 'backend-root' | 'dashboard' | `cloud-run-ready:${string}`;

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
