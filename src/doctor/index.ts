import type { Client } from '@temporalio/client';
import type { EnvironmentConfig } from '../domain/config/schema';
import { cloudRunChecks } from './cloud-run';
import { convexAndRuntimeChecks } from './convex-runtime';
import { identityChecks } from './identity';
import { metricProviderChecks } from './metric-providers';
import type { DoctorRow } from './row';
import { secretChecks } from './secrets';
import { temporalChecks } from './temporal';

export type { DoctorRow } from './row';
export { REQUIRED_RUN_PERMISSIONS } from './cloud-run';

export interface DoctorTarget {
  environment: string;
  env: EnvironmentConfig;
  /** Only this service group (preflight of a drill or rollout); every group when absent. */
  group?: string;
  /** Temporal checks need a connected client; without one they are skipped. */
  temporal?: { client: Client; address: string; namespace: string };
}

/**
 * `drillctl doctor`: every check, read-only (GETs, reads and testIamPermissions; no mutation, no
 * workflow). One row per check; nothing FAILs means an environment is ready for drills and rollouts.
 */
export async function runDoctor(t: DoctorTarget): Promise<DoctorRow[]> {
  const [temporal, cloudRun, identity, secrets, convex, metrics] = await Promise.all([
    t.temporal ? temporalChecks(t.temporal.client, t.temporal.address, t.temporal.namespace) : Promise.resolve([]),
    cloudRunChecks(t.environment, t.env, t.group),
    identityChecks(t.env, t.group),
    secretChecks(t.env),
    convexAndRuntimeChecks(t.env),
    metricProviderChecks(t.env),
  ]);
  return [...temporal, ...cloudRun, ...identity, ...secrets, ...convex, ...metrics];
}

/**
 * The checks a traffic-changing start (applied rollback drill, gate, rollout) runs first: the
 * group's services readable, with every permission the drill needs granted. Secrets are left to
 * `doctor`: the worker resolves them from its own environment, which the CLI may not share.
 */
export async function preflightFailures(t: Omit<DoctorTarget, 'temporal'>): Promise<DoctorRow[]> {
  return (await cloudRunChecks(t.environment, t.env, t.group)).filter((r) => r.status === 'FAIL');
}

export function renderDoctorRows(rows: DoctorRow[]): string {
  const width = Math.max(5, ...rows.map((r) => r.check.length));
  return rows.map((r) => `${r.status.padEnd(4)}  ${r.check.padEnd(width)}  ${r.detail}${r.fix ? `\n${' '.repeat(width + 8)}fix: ${r.fix}` : ''}`).join('\n');
}
