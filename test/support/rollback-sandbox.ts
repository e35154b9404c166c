import type { RollbackConfig } from '../../src/domain/config/schema';
import type { CloudRunSandbox } from '../../src/sandbox/cloud-run';
import type { RevisionIdentity } from '../../src/domain/traffic/revision-identity';
import type { RollbackDrillInput, RollbackMode } from '../../src/contracts/rollback';

/** Fast settings for tests: short probe interval, short timeouts. */
export const FAST_ROLLBACK: RollbackConfig = { rtoTargetSeconds: 300, probeIntervalMs: 200, consecutiveHealthy: 3, switchTimeoutSeconds: 60, holdSeconds: 0 };

let counter = 0;

function identityFor(identity: RevisionIdentity | Record<string, RevisionIdentity> | undefined, role: string): RevisionIdentity {
  if (identity === undefined) return 'none';
  if (identity === 'none' || 'header' in identity || 'versionEndpoint' in identity) return identity as RevisionIdentity;
  return (identity as Record<string, RevisionIdentity>)[role] ?? 'none';
}

/** A fresh environment name per test, so each drill has its own traffic lock id. */
export function uniqueEnvironment(prefix = 't'): string {
  counter++;
  return `${prefix}${process.pid}-${counter}`;
}

/** A rollback drill input pointing at a Cloud Run sandbox group, as `drillctl drill rollback` would build it. */
export function rollbackInputFor(
  sandbox: CloudRunSandbox,
  opts: Partial<Omit<RollbackDrillInput, 'rollback'>> & { mode: RollbackMode; environment: string; rollback?: Partial<RollbackConfig>; identity?: RevisionIdentity | Record<string, RevisionIdentity> },
): RollbackDrillInput {
  const group = sandbox.group(opts.group ?? 'convex');
  return {
    environment: opts.environment,
    group: group.name,
    production: opts.production ?? false,
    mode: opts.mode,
    cloudRun: { project: sandbox.project, region: sandbox.region, apiEndpoint: sandbox.grpcAddress, sandbox: true },
    // Cloud Run names no revision in its answers: `none` unless the test says otherwise (per role, or for all).
    services: opts.services ?? group.services.map((s) => ({ role: s.role, service: s.service, probe: { path: '/', identity: identityFor(opts.identity, s.role) } })),
    rollback: { ...FAST_ROLLBACK, ...opts.rollback },
    targets: opts.targets ?? {},
    requestedBy: opts.requestedBy ?? 'tester',
    confirmation: opts.confirmation,
    approvers: opts.approvers ?? [],
  };
}
