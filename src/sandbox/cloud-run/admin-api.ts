import { grpc } from 'google-gax';
import { normalizeTarget, type ApiTrafficTarget } from './api-types';
import type { FaultInjector, InjectedError } from './faults';
import { operationMessage, previewOperationMessage, revisionMessage, serviceMessage } from './messages';
import { cloudRunProtos } from './proto';
import { trafficProblem } from './traffic-rules';
import type { CloudRunWorld, ServiceState } from './world';

/** One call the emulator answered, for tests that assert what the product did (or did not do). */
export interface AuditedCall {
  method: string;
  /** The resource the call named (service, revision, operation or parent). */
  resource: string;
  atMs: number;
  /** 'OK' or the gRPC status name of the error. */
  outcome: string;
  /** Update requests: the etag the caller sent and the update_mask paths. */
  etag?: string;
  updateMask?: string[];
}

type Handler = (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, callback: grpc.sendUnaryData<unknown>) => void;

class CallError extends Error {
  constructor(readonly code: grpc.status, message: string) {
    super(message);
  }
}

const fail = (e: InjectedError): never => {
  throw new CallError(e.code, e.message);
};

/**
 * The gRPC surface of the emulator: Services (Get, List, Update), Revisions (Get, List) and
 * Operations (Get, Wait). Methods not listed are answered UNIMPLEMENTED by grpc-js.
 */
export function adminApiHandlers(world: CloudRunWorld, faults: FaultInjector, audit: AuditedCall[]) {
  const unary = (method: string, resourceOf: (req: Record<string, unknown>) => string, body: (req: Record<string, unknown>, entry: AuditedCall) => unknown | Promise<unknown>): Handler =>
    (call, callback) => {
      const entry: AuditedCall = { method, resource: resourceOf(call.request), atMs: Date.now(), outcome: 'OK' };
      audit.push(entry);
      void (async () => {
        const injected = faults.takeCallFault(method);
        if (injected) fail(injected);
        return body(call.request, entry);
      })().then(
        (res) => callback(null, res),
        (err: unknown) => {
          const code = err instanceof CallError ? err.code : grpc.status.INTERNAL;
          entry.outcome = grpc.status[code] ?? String(code);
          callback({ code, details: (err as Error).message, metadata: new grpc.Metadata() } as grpc.ServiceError);
        },
      );
    };

  const serviceOrNotFound = (name: string): ServiceState => {
    const s = world.findService(name);
    if (!s) throw new CallError(grpc.status.NOT_FOUND, `Resource '${name.split('/').pop()}' of kind 'SERVICE' in region '${world.opts.region}' in project '${world.opts.project}' does not exist.`);
    return s;
  };

  /** IAM: PERMISSION_DENIED when the caller lacks `permission` on the service (as Cloud Run words it). */
  const authorize = (s: ServiceState, permission: string): void => {
    if (faults.isDenied(s.id, permission)) throw new CallError(grpc.status.PERMISSION_DENIED, `Permission '${permission}' denied on resource '${s.name}' (or resource may not exist).`);
  };
  const permitted = (name: string, permission: string): ServiceState => {
    const s = serviceOrNotFound(name);
    authorize(s, permission);
    return s;
  };

  const page = <T>(items: T[], req: Record<string, unknown>): { items: T[]; nextPageToken: string } => {
    const size = Number(req.pageSize) || items.length || 1;
    const start = Number(req.pageToken) || 0;
    const end = start + size;
    // The last page must carry an empty token, or the client's auto-pagination never stops.
    return { items: items.slice(start, end), nextPageToken: end < items.length ? String(end) : '' };
  };

  const services = {
    GetService: unary('GetService', (r) => String(r.name), (req) => serviceMessage(world, permitted(String(req.name), 'run.services.get'))),
    TestIamPermissions: unary('TestIamPermissions', (r) => String(r.resource), (req) => {
      const s = serviceOrNotFound(String(req.resource));
      return { permissions: ((req.permissions as string[] | null) ?? []).filter((p) => !faults.isDenied(s.id, p)) };
    }),
    ListServices: unary('ListServices', (r) => String(r.parent), (req) => {
      if (req.parent !== world.parent) return { services: [], nextPageToken: '', unreachable: [] };
      const { items, nextPageToken } = page([...world.services.values()], req);
      return { services: items.map((s) => serviceMessage(world, s)), nextPageToken, unreachable: [] };
    }),
    UpdateService: unary('UpdateService', (r) => String((r.service as { name?: string } | null)?.name ?? ''), (req, entry) => {
      const requested = (req.service ?? {}) as { name?: string; etag?: string; template?: object | null; traffic?: Partial<ApiTrafficTarget>[] };
      const paths = ((req.updateMask as { paths?: string[] } | null)?.paths ?? []).filter(Boolean);
      entry.etag = requested.etag ?? '';
      entry.updateMask = paths;
      const s = world.findService(requested.name ?? '');
      if (!s) {
        if (req.allowMissing) throw new CallError(grpc.status.UNIMPLEMENTED, 'the emulator cannot create services (allow_missing)');
        serviceOrNotFound(requested.name ?? '');
      }
      const service = s as ServiceState;
      authorize(service, 'run.services.update');
      const forced = faults.updateFailure(service.id);
      if (forced) fail(forced);
      if (paths.length === 0 && !requested.template) {
        throw new CallError(grpc.status.INVALID_ARGUMENT, 'service.template is required: without an update_mask the request replaces every field');
      }
      const unsupported = paths.filter((p) => p !== 'traffic');
      if (unsupported.length) throw new CallError(grpc.status.INVALID_ARGUMENT, `the emulator only updates traffic; unsupported update_mask paths: ${unsupported.join(', ')}`);
      if (faults.takeStaleEtag(service.id)) world.touch(service);
      if (requested.etag && requested.etag !== service.etag) {
        throw new CallError(grpc.status.ABORTED, `etag mismatch for service '${service.id}': it changed since it was read; read it again and retry`);
      }
      const traffic = (requested.traffic ?? []).map(normalizeTarget);
      const problem = trafficProblem(traffic, new Set(service.revisions.map((r) => r.id)));
      if (problem) throw new CallError(grpc.status.INVALID_ARGUMENT, problem);
      if (req.validateOnly) return previewOperationMessage(world, { ...serviceMessage(world, service), traffic });
      // The emulator never creates revisions: a full replace changes traffic only.
      return operationMessage(world, world.updateTraffic(service, traffic));
    }),
  };

  const revisions = {
    GetRevision: unary('GetRevision', (r) => String(r.name), (req) => {
      const found = world.findRevision(String(req.name));
      if (!found) throw new CallError(grpc.status.NOT_FOUND, `Revision '${String(req.name).split('/').pop()}' does not exist.`);
      return revisionMessage(world, found.service, found.revision);
    }),
    ListRevisions: unary('ListRevisions', (r) => String(r.parent), (req) => {
      const s = permitted(String(req.parent), 'run.revisions.list');
      // Arbitrary but stable order (by uid), never creation order: callers must sort by create_time.
      const ordered = [...s.revisions].sort((a, b) => a.uid.localeCompare(b.uid));
      const { items, nextPageToken } = page(ordered, req);
      return { revisions: items.map((r) => revisionMessage(world, s, r)), nextPageToken };
    }),
  };

  const operationOrNotFound = (name: string) => {
    const op = world.operations.get(name);
    if (!op) throw new CallError(grpc.status.NOT_FOUND, `operation ${name} not found`);
    const s = world.services.get(op.serviceId);
    if (s) authorize(s, 'run.operations.get');
    return op;
  };

  const operations = {
    GetOperation: unary('GetOperation', (r) => String(r.name), (req) => operationMessage(world, operationOrNotFound(String(req.name)))),
    WaitOperation: unary('WaitOperation', (r) => String(r.name), async (req) => {
      const op = operationOrNotFound(String(req.name));
      const t = req.timeout as { seconds?: string; nanos?: number } | null;
      const timeoutMs = t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : 60_000;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([op.finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
      return operationMessage(world, op);
    }),
  };

  return { services, revisions, operations };
}

/** Starts the gRPC server on 127.0.0.1 (port 0 picks a free one) and returns its port. */
export async function serveAdminApi(handlers: ReturnType<typeof adminApiHandlers>, port = 0): Promise<{ server: grpc.Server; port: number }> {
  const protos = cloudRunProtos();
  const server = new grpc.Server();
  server.addService(protos.services, handlers.services as unknown as grpc.UntypedServiceImplementation);
  server.addService(protos.revisions, handlers.revisions as unknown as grpc.UntypedServiceImplementation);
  server.addService(protos.operations, handlers.operations as unknown as grpc.UntypedServiceImplementation);
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { server, port: bound };
}
