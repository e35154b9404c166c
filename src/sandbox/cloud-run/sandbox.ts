import { grpc } from 'google-gax';
import type { RevisionFault, RevisionKind } from '../revision-server';
import { adminApiHandlers, serveAdminApi, type AuditedCall } from './admin-api';
import type { ApiTrafficStatus, ApiTrafficTarget } from './api-types';
import { FaultInjector } from './faults';
import type { RequestLog } from './request-log';
import type { SwitchRecord } from './router';
import type { RoutingTable } from './traffic-rules';
import { CloudRunWorld, type NewRevision } from './world';

export interface ServiceSpec {
  /** Role in the group (backend, dashboard, ...). */
  role: string;
  service: string;
  kind: RevisionKind;
  revisions: NewRevision[];
  traffic?: ApiTrafficTarget[];
}

export interface ServiceGroupSpec {
  name: string;
  services: ServiceSpec[];
}

export interface CloudRunSandboxSpec {
  project?: string;
  region?: string;
  groups: ServiceGroupSpec[];
  /** Time between an operation finishing and the router starting to migrate. Default 300 ms. */
  propagationDelayMs?: number;
  /**
   * How long the router takes, once it starts, to move every request to the new allocation; in
   * between, requests reach the old or the new one at random. Default 1500 ms; 0 switches at once.
   */
  migrationWindowMs?: number;
  /**
   * Identity sidecar/middleware mode: every revision names itself in this response header, as an
   * app that echoes `K_REVISION` would. Off by default, because Cloud Run sends no such header.
   */
  identityHeader?: string;
  /** Time an UpdateService operation stays open (reconciling). Default 200 ms. */
  operationDelayMs?: number;
  /** gRPC port; 0 (default) picks a free one. */
  port?: number;
}

export interface SandboxService {
  role: string;
  service: string;
  /** The router: the service's `uri`. */
  url: string;
  revisions: { name: string; url: string }[];
}

export interface SandboxGroup {
  name: string;
  services: SandboxService[];
}

/** What a test needs to know about one service right now. */
export interface ServiceView {
  traffic: ApiTrafficTarget[];
  trafficStatuses: ApiTrafficStatus[];
  generation: number;
  etag: string;
  reconciling: boolean;
  routing: RoutingTable;
}

export interface CloudRunSandbox {
  project: string;
  region: string;
  /** host:port of the Admin API emulator (plaintext gRPC). */
  grpcAddress: string;
  port: number;
  groups: SandboxGroup[];
  group(name: string): SandboxGroup;

  // Observation
  view(service: string): ServiceView;
  switches(service: string): SwitchRecord[];
  /** When the API started to report each generation's traffic in force (epoch ms; its operation finished). */
  inForce(service: string): { atMs: number; generation: number }[];
  /** Resolves with the first switch after `afterMs` that `match`es; rejects after `timeoutMs`. */
  waitForSwitch(service: string, match: (r: SwitchRecord) => boolean, opts?: { afterMs?: number; timeoutMs?: number }): Promise<SwitchRecord>;
  calls(filter?: { method?: string; service?: string }): AuditedCall[];
  /** Every request the routers served, per revision: what Cloud Run's request metrics would count. */
  requests: RequestLog;

  // Fault injection
  unavailableBurst(count: number, methods?: string[]): void;
  failUpdates(service: string, error?: { code?: grpc.status; message?: string } | null): void;
  failOperations(service: string, count?: number, error?: { code?: grpc.status; message?: string }): void;
  slowOperations(delayMs: number, service?: string): void;
  staleEtag(service: string, count?: number): void;
  setRevisionReady(service: string, revision: string, ready: boolean, message?: string): void;
  /** Makes one revision (or every revision, '*') of a service answer badly; null clears it. */
  setRevisionFault(service: string, revision: string | '*', fault: RevisionFault | null): void;
  setPropagationDelay(ms: number): void;
  setMigrationWindow(ms: number): void;
  /** IAM that says no: calls needing these permissions on the service ('*': every service) fail PERMISSION_DENIED, and TestIamPermissions leaves them out. */
  denyPermissions(service: string | '*', permissions: string[]): void;
  clearFaults(): void;

  stop(): Promise<void>;
}

export const DEFAULT_MIGRATION_WINDOW_MS = 1500;

/**
 * Starts a local Cloud Run: the Admin API v2 gRPC emulator (which the unmodified @google-cloud/run
 * clients talk to), one HTTP server per revision, one router per service URL. Every service starts
 * as the spec says (default: `latestRevision: true` at 100 %).
 */
export async function startCloudRunSandbox(spec: CloudRunSandboxSpec): Promise<CloudRunSandbox> {
  const faults = new FaultInjector();
  const world = new CloudRunWorld({
    project: spec.project ?? 'drillctl-sandbox',
    region: spec.region ?? 'us-central1',
    propagationDelayMs: spec.propagationDelayMs ?? 300,
    migrationWindowMs: spec.migrationWindowMs ?? DEFAULT_MIGRATION_WINDOW_MS,
    ...(spec.identityHeader ? { identityHeader: spec.identityHeader } : {}),
    operationDelayMs: spec.operationDelayMs ?? 200,
    faults,
  });
  const audit: AuditedCall[] = [];
  const { server, port } = await serveAdminApi(adminApiHandlers(world, faults, audit), spec.port ?? 0);
  const groups: SandboxGroup[] = [];
  try {
    for (const g of spec.groups) {
      const services: SandboxService[] = [];
      for (const s of g.services) {
        const state = await world.createService({ service: s.service, kind: s.kind, revisions: s.revisions, traffic: s.traffic });
        services.push({ role: s.role, service: s.service, url: state.router.url, revisions: state.revisions.map((r) => ({ name: r.id, url: r.server.url })) });
      }
      groups.push({ name: g.name, services });
    }
  } catch (err) {
    await world.stop();
    server.forceShutdown();
    throw err;
  }

  const service = (id: string) => {
    const s = world.services.get(id);
    if (!s) throw new Error(`the sandbox has no service ${id}`);
    return s;
  };

  return {
    project: world.opts.project,
    region: world.opts.region,
    grpcAddress: `127.0.0.1:${port}`,
    port,
    groups,
    group(name) {
      const g = groups.find((x) => x.name === name);
      if (!g) throw new Error(`the sandbox has no service group ${name}`);
      return g;
    },
    view(id) {
      const s = service(id);
      return structuredClone({ traffic: s.traffic, trafficStatuses: s.trafficStatuses, generation: s.generation, etag: s.etag, reconciling: s.reconciling, routing: s.router.current() });
    },
    switches: (id) => service(id).router.switches(),
    inForce: (id) => structuredClone(service(id).inForce),
    async waitForSwitch(id, match, opts = {}) {
      const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
      for (;;) {
        const hit = service(id).router.switches().find((r) => r.atMs >= (opts.afterMs ?? 0) && match(r));
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`service ${id}: no matching traffic switch within ${opts.timeoutMs ?? 30_000} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    requests: world.requests,
    calls(filter = {}) {
      return audit.filter((c) => (!filter.method || c.method === filter.method) && (!filter.service || c.resource.includes(`/services/${filter.service}`)));
    },
    unavailableBurst: (count, methods) => faults.unavailableBurst(count, methods),
    failUpdates(id, error) {
      service(id);
      faults.failUpdates(id, error === null ? null : { code: error?.code ?? grpc.status.FAILED_PRECONDITION, message: error?.message ?? `injected: updates of service '${id}' are refused` });
    },
    failOperations(id, count = 1, error = {}) {
      service(id);
      faults.failOperations(id, count, { code: error.code ?? grpc.status.FAILED_PRECONDITION, message: error.message ?? `injected: the traffic change of service '${id}' failed` });
    },
    slowOperations: (delayMs, id) => faults.slowOperations(id ?? '*', delayMs),
    staleEtag(id, count = 1) {
      service(id);
      faults.staleEtag(id, count);
    },
    setRevisionReady(id, revision, ready, message = 'Container failed to start and listen on the port.') {
      world.setRevisionReady(service(id), revision, ready, message);
    },
    setRevisionFault(id, revision, fault) {
      const revisions = service(id).revisions.filter((r) => revision === '*' || r.id === revision);
      if (revisions.length === 0) throw new Error(`service ${id} has no revision ${revision}`);
      for (const r of revisions) r.server.setFault(fault);
    },
    setPropagationDelay(ms) {
      for (const s of world.services.values()) s.router.setPropagationDelay(ms);
    },
    denyPermissions(id, permissions) {
      if (id !== '*') service(id);
      faults.denyPermissions(id, permissions);
    },
    setMigrationWindow(ms) {
      for (const s of world.services.values()) s.router.setMigrationWindow(ms);
    },
    clearFaults: () => faults.clear(),
    async stop() {
      // A pending WaitOperation would hold a graceful shutdown open; give calls a moment, then cut.
      const graceful = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      const timer = setTimeout(() => server.forceShutdown(), 2000);
      await graceful;
      clearTimeout(timer);
      await world.stop();
    },
  };
}
