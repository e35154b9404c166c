import { randomBytes, randomUUID } from 'node:crypto';
import { grpc } from 'google-gax';
import { startRevisionServer, type RevisionKind, type RevisionServer } from '../revision-server';
import type { ApiTrafficStatus, ApiTrafficTarget, ConditionState } from './api-types';
import type { FaultInjector, InjectedError } from './faults';
import { RequestLog } from './request-log';
import { ServiceRouter } from './router';
import { effectiveTraffic, routingFor } from './traffic-rules';

export interface RevisionState {
  id: string;
  /** The container image its template runs. */
  image: string;
  uid: string;
  createTimeMs: number;
  kind: RevisionKind;
  ready: boolean;
  notReadyMessage: string;
  server: RevisionServer;
}

export interface ServiceState {
  id: string;
  name: string;
  uid: string;
  kind: RevisionKind;
  createTimeMs: number;
  updateTimeMs: number;
  generation: number;
  observedGeneration: number;
  etag: string;
  traffic: ApiTrafficTarget[];
  trafficStatuses: ApiTrafficStatus[];
  reconciling: boolean;
  terminal: { state: ConditionState; message: string; transitionMs: number };
  routesReady: { state: ConditionState; message: string; transitionMs: number };
  template: object;
  revisions: RevisionState[];
  router: ServiceRouter;
  /** When each generation's traffic statuses took effect in the API (its operation finished). */
  inForce: { atMs: number; generation: number }[];
}

export interface OperationState {
  name: string;
  serviceId: string;
  generation: number;
  done: boolean;
  error?: InjectedError;
  /** Set while waiting; resolved when the operation is done. */
  finished: Promise<void>;
}

export interface NewRevision {
  name: string;
  createdAt: Date;
  ready?: boolean;
  /** Container image; defaults to one image for every revision of the service (a config-only change). */
  image?: string;
  /** What the backend's `/version` answers; defaults to `sandbox-<revision>`. */
  version?: string;
}

export interface NewService {
  service: string;
  kind: RevisionKind;
  revisions: NewRevision[];
  /** Defaults to `latestRevision: true` at 100 %, as the services were provisioned in the G7 environment. */
  traffic?: ApiTrafficTarget[];
}

export interface WorldOptions {
  project: string;
  region: string;
  propagationDelayMs: number;
  migrationWindowMs: number;
  operationDelayMs: number;
  faults: FaultInjector;
  /** Identity sidecar mode: revisions name themselves in this response header. */
  identityHeader?: string;
}

const defaultImage = (kind: RevisionKind): string => `sandbox/convex-${kind}:local`;

const newEtag = (): string => `"${randomBytes(9).toString('base64url')}"`;

/**
 * The emulated Cloud Run project: services, their revisions (each a live HTTP server), routers and
 * long-running operations. Mutations go through here so the gRPC layer stays a thin translation.
 */
export class CloudRunWorld {
  readonly services = new Map<string, ServiceState>();
  readonly operations = new Map<string, OperationState>();
  /** Every request every router served, per revision. */
  readonly requests = new RequestLog();
  private readonly pending = new Set<NodeJS.Timeout>();

  constructor(readonly opts: WorldOptions) {}

  get parent(): string {
    return `projects/${this.opts.project}/locations/${this.opts.region}`;
  }

  serviceName(id: string): string {
    return `${this.parent}/services/${id}`;
  }

  revisionName(serviceId: string, revisionId: string): string {
    return `${this.serviceName(serviceId)}/revisions/${revisionId}`;
  }

  /** The service a full resource name points to, if it exists in this project and region. */
  findService(name: string): ServiceState | undefined {
    const prefix = `${this.parent}/services/`;
    return name.startsWith(prefix) ? this.services.get(name.slice(prefix.length)) : undefined;
  }

  findRevision(name: string): { service: ServiceState; revision: RevisionState } | undefined {
    const m = /^(.*)\/revisions\/([^/]+)$/.exec(name);
    const service = m?.[1] ? this.findService(m[1]) : undefined;
    const revision = service?.revisions.find((r) => r.id === m?.[2]);
    return service && revision ? { service, revision } : undefined;
  }

  async createService(spec: NewService): Promise<ServiceState> {
    if (this.services.has(spec.service)) throw new Error(`service ${spec.service} already exists in the sandbox`);
    const revisions: RevisionState[] = [];
    for (const r of [...spec.revisions].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())) {
      const server = await startRevisionServer({ revision: r.name, kind: spec.kind, ...(r.version ? { version: r.version } : {}), ...(this.opts.identityHeader ? { identityHeader: this.opts.identityHeader } : {}) });
      revisions.push({ id: r.name, image: r.image ?? defaultImage(spec.kind), uid: randomUUID(), createTimeMs: r.createdAt.getTime(), kind: spec.kind, ready: r.ready ?? true, notReadyMessage: '', server });
    }
    const router = new ServiceRouter({
      service: spec.service,
      revisionUrl: (rev) => revisions.find((r) => r.id === rev)?.server.url,
      propagationDelayMs: this.opts.propagationDelayMs,
      migrationWindowMs: this.opts.migrationWindowMs,
      log: this.requests,
    });
    await router.start();
    const created = revisions[0]?.createTimeMs ?? Date.now();
    const now = Date.now();
    const state: ServiceState = {
      id: spec.service,
      name: this.serviceName(spec.service),
      uid: randomUUID(),
      kind: spec.kind,
      createTimeMs: created,
      updateTimeMs: revisions[revisions.length - 1]?.createTimeMs ?? created,
      generation: revisions.length || 1,
      observedGeneration: revisions.length || 1,
      etag: newEtag(),
      traffic: spec.traffic ?? [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', revision: '', percent: 100, tag: '' }],
      trafficStatuses: [],
      reconciling: false,
      terminal: { state: 'CONDITION_SUCCEEDED', message: '', transitionMs: now },
      routesReady: { state: 'CONDITION_SUCCEEDED', message: '', transitionMs: now },
      template: {
        containers: [{ name: spec.kind === 'backend' ? 'convex-backend' : 'convex-dashboard', image: revisions[revisions.length - 1]?.image ?? defaultImage(spec.kind), ports: [{ name: 'http1', containerPort: spec.kind === 'backend' ? 3210 : 6791 }] }],
        maxInstanceRequestConcurrency: 160,
      },
      revisions,
      router,
      inForce: [],
    };
    this.services.set(spec.service, state);
    state.trafficStatuses = await this.statusesFor(state, state.traffic);
    router.applyNow(routingFor(effectiveTraffic(state.traffic), this.latestReady(state)?.id ?? ''), state.generation);
    return state;
  }

  latestReady(service: ServiceState): RevisionState | undefined {
    return [...service.revisions].reverse().find((r) => r.ready);
  }

  latestCreated(service: ServiceState): RevisionState | undefined {
    return service.revisions[service.revisions.length - 1];
  }

  /** Another writer changed the service: a new etag, nothing else. */
  touch(service: ServiceState): void {
    service.etag = newEtag();
    service.updateTimeMs = Date.now();
  }

  /**
   * Accepts a traffic change: the spec changes at once (new generation and etag, reconciling) and an
   * operation finishes after the operation delay, at which point traffic_statuses catch up and the
   * router is told to switch (after its propagation delay). A failed operation leaves the routing
   * as it was and marks the service's Ready condition failed, as Cloud Run does.
   */
  updateTraffic(service: ServiceState, traffic: ApiTrafficTarget[]): OperationState {
    service.generation++;
    service.traffic = traffic;
    service.reconciling = true;
    service.etag = newEtag();
    service.updateTimeMs = Date.now();
    service.terminal = { state: 'CONDITION_RECONCILING', message: 'Routing traffic.', transitionMs: Date.now() };
    const generation = service.generation;
    let finish!: () => void;
    const op: OperationState = {
      name: `${this.parent}/operations/${randomUUID()}`,
      serviceId: service.id,
      generation,
      done: false,
      finished: new Promise<void>((resolve) => (finish = resolve)),
    };
    this.operations.set(op.name, op);
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      this.complete(service, op, traffic)
        .catch((err: Error) => (op.error = { code: grpc.status.INTERNAL, message: `emulator: ${err.message}` }))
        .finally(() => {
          op.done = true;
          finish();
        });
    }, this.opts.faults.operationDelay(service.id, this.opts.operationDelayMs));
    this.pending.add(timer);
    return op;
  }

  setRevisionReady(service: ServiceState, revisionId: string, ready: boolean, message: string): void {
    const revision = service.revisions.find((r) => r.id === revisionId);
    if (!revision) throw new Error(`service ${service.id} has no revision ${revisionId}`);
    revision.ready = ready;
    revision.notReadyMessage = ready ? '' : message;
    // A revision that is not Ready fails its requests, which is what probes will see.
    revision.server.setFault(ready ? null : { kind: 'http-error', status: 503 });
  }

  async stop(): Promise<void> {
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
    await Promise.all(
      [...this.services.values()].flatMap((s) => [s.router.stop(), ...s.revisions.map((r) => r.server.stop())]),
    );
  }

  private async complete(service: ServiceState, op: OperationState, traffic: ApiTrafficTarget[]): Promise<void> {
    const injected = this.opts.faults.takeOperationFailure(service.id);
    const notReady = traffic
      .filter((t) => t.type === 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION')
      .map((t) => service.revisions.find((r) => r.id === t.revision))
      .find((r) => r && !r.ready);
    const latest = this.latestReady(service);
    const failure: InjectedError | undefined =
      injected ??
      (notReady ? { code: grpc.status.FAILED_PRECONDITION, message: `Revision '${notReady.id}' is not ready and cannot serve traffic. ${notReady.notReadyMessage}`.trim() } : undefined) ??
      (!latest && traffic.some((t) => t.type === 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST') ? { code: grpc.status.FAILED_PRECONDITION, message: 'No Ready revision for LATEST.' } : undefined);
    const now = Date.now();
    const isNewest = op.generation === service.generation;
    service.observedGeneration = Math.max(service.observedGeneration, op.generation);
    if (failure) {
      op.error = failure;
      if (isNewest) {
        service.reconciling = false;
        service.terminal = { state: 'CONDITION_FAILED', message: failure.message, transitionMs: now };
        service.routesReady = { state: 'CONDITION_FAILED', message: failure.message, transitionMs: now };
      }
      return;
    }
    service.trafficStatuses = await this.statusesFor(service, traffic);
    service.inForce.push({ atMs: Date.now(), generation: op.generation });
    service.router.schedule(routingFor(effectiveTraffic(traffic), latest?.id ?? ''), op.generation);
    if (isNewest) {
      service.reconciling = false;
      service.terminal = { state: 'CONDITION_SUCCEEDED', message: '', transitionMs: now };
      service.routesReady = { state: 'CONDITION_SUCCEEDED', message: '', transitionMs: now };
    }
  }

  /** traffic_statuses for a traffic list: LATEST resolved to a revision, tags with their own URL. */
  private async statusesFor(service: ServiceState, traffic: ApiTrafficTarget[]): Promise<ApiTrafficStatus[]> {
    const latest = this.latestReady(service)?.id ?? '';
    return Promise.all(
      effectiveTraffic(traffic).map(async (t) => ({
        type: t.type,
        revision: t.type === 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST' ? latest : t.revision,
        percent: t.percent,
        tag: t.tag,
        uri: t.tag ? await service.router.tagUrl(t.tag) : '',
      })),
    );
  }
}
