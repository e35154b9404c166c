import type { FaultRegistry } from '../faults';
import type { RevisionFault } from '../revision-server';
import type { CloudRunSandbox } from './sandbox';

/**
 * Registers the Cloud Run faults of the sandbox by name, for tests and `drillctl sandbox fault`:
 * data-plane faults named after the roles (`backend`, `dashboard`: every revision of the service
 * answers badly, so whatever the router picks fails) and control-plane faults `cloud-run-*`.
 */
export function registerCloudRunFaults(faults: FaultRegistry, cloudRun: CloudRunSandbox, roles: Record<string, string>): void {
  const services = Object.values(roles);
  for (const [role, id] of Object.entries(roles)) {
    faults.register(role, {
      description: `${role} answers with an error (params: status, or fault: {kind: http-error|wrong-body|empty-version|slow})`,
      inject: (p) => cloudRun.setRevisionFault(id, '*', (p.fault as RevisionFault | undefined) ?? { kind: 'http-error', status: Number(p.status ?? 503) }),
      clear: () => cloudRun.setRevisionFault(id, '*', null),
    });
  }
  const service = (params: Record<string, unknown>): string => {
    const s = String(params.service ?? '');
    if (!services.includes(s)) throw new Error(`params.service must be one of: ${services.join(', ')}`);
    return s;
  };
  const code = (params: Record<string, unknown>) => (params.code === undefined ? undefined : Number(params.code));
  faults.register('cloud-run-unavailable', {
    description: 'the next calls to the Cloud Run API fail with UNAVAILABLE (params: count, default 3; methods, e.g. ["UpdateService"])',
    inject: (p) => cloudRun.unavailableBurst(Number(p.count ?? 3), p.methods as string[] | undefined),
    clear: () => cloudRun.clearFaults(),
  });
  faults.register('cloud-run-fail-updates', {
    description: 'every UpdateService on one service fails (params: service; code, default 9 FAILED_PRECONDITION; message)',
    inject: (p) => cloudRun.failUpdates(service(p), { code: code(p), message: p.message as string | undefined }),
    clear: () => services.forEach((s) => cloudRun.failUpdates(s, null)),
  });
  faults.register('cloud-run-fail-operations', {
    description: 'the next traffic changes of one service finish with an error (params: service; count, default 1; code; message)',
    inject: (p) => cloudRun.failOperations(service(p), Number(p.count ?? 1), { code: code(p), message: p.message as string | undefined }),
    clear: () => cloudRun.clearFaults(),
  });
  faults.register('cloud-run-slow-operations', {
    description: 'traffic changes take longer to finish (params: delayMs; service, default every service)',
    inject: (p) => cloudRun.slowOperations(Number(p.delayMs ?? 5000), p.service as string | undefined),
    clear: () => cloudRun.clearFaults(),
  });
  faults.register('cloud-run-stale-etag', {
    description: 'another writer changes a service just before each of the next updates (params: service; count, default 1)',
    inject: (p) => cloudRun.staleEtag(service(p), Number(p.count ?? 1)),
    clear: () => cloudRun.clearFaults(),
  });
  faults.register('cloud-run-iam-denied', {
    description: "the worker's identity lacks IAM permissions (params: permissions, default [\"run.services.update\"]; service, default every service): calls needing them fail PERMISSION_DENIED and TestIamPermissions leaves them out",
    inject: (p) => cloudRun.denyPermissions(p.service === undefined ? '*' : service(p), (p.permissions as string[] | undefined) ?? ['run.services.update']),
    clear: () => cloudRun.clearFaults(),
  });
  faults.register('cloud-run-revision-not-ready', {
    description: 'a revision stops being Ready and fails its requests (params: service, revision)',
    inject: (p) => cloudRun.setRevisionReady(service(p), String(p.revision), false),
    clear: () => {
      for (const g of cloudRun.groups) for (const s of g.services) for (const r of s.revisions) cloudRun.setRevisionReady(s.service, r.name, true);
    },
  });
}
