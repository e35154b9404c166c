import * as protoLoader from '@grpc/proto-loader';
import { grpc } from 'google-gax';

/** One secret version as the emulator holds it. */
interface Version {
  value: string;
  state: 'ENABLED' | 'DISABLED';
  createTimeMs: number;
}

export interface SecretManagerSandbox {
  project: string;
  /** host:port of the emulator (plaintext gRPC on loopback). */
  address: string;
  /** Adds a version holding `value` to secret `id` (created on first use); returns its `gcp:` reference. */
  addSecretVersion(id: string, value: string): string;
  /** Disables (or re-enables) a version, as `gcloud secrets versions disable` does. */
  setVersionEnabled(id: string, version: number, enabled: boolean): void;
  /** The worker's identity may not read `id` ('*': any secret): PERMISSION_DENIED, as an IAM policy without secretAccessor gives. */
  denyAccess(id: string | '*'): void;
  clearFaults(): void;
  /** Every AccessSecretVersion asked for (names only, never values). */
  accessed(): string[];
  stop(): Promise<void>;
}

type Call = grpc.ServerUnaryCall<{ name?: string; resource?: string; permissions?: string[] }, unknown>;
type Callback = grpc.sendUnaryData<unknown>;

const VERSION_NAME = /^projects\/([^/]+)\/secrets\/([^/]+)\/versions\/([^/]+)$/;

function failure(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() }) as grpc.ServiceError;
}

function secretManagerService(): grpc.ServiceDefinition {
  // The same JSON proto bundle the @google-cloud/secret-manager client loads, with gax's loader options.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bundle = require('@google-cloud/secret-manager/build/protos/protos.json') as Parameters<typeof protoLoader.fromJSON>[0];
  const def = protoLoader.fromJSON(bundle, { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true });
  const service = def['google.cloud.secretmanager.v1.SecretManagerService'] as grpc.ServiceDefinition | undefined;
  if (!service) throw new Error('the @google-cloud/secret-manager proto bundle lacks SecretManagerService');
  return service;
}

/**
 * A local Secret Manager v1 that the unmodified @google-cloud/secret-manager client talks to over
 * plaintext gRPC: AccessSecretVersion (with the `latest` alias), GetSecretVersion and
 * TestIamPermissions; every other method answers UNIMPLEMENTED. Error codes follow the real API:
 * NOT_FOUND for a missing secret or version, FAILED_PRECONDITION for a disabled version,
 * PERMISSION_DENIED where access is denied (the messages are the emulator's own).
 */
export async function startSecretManagerSandbox(opts: { project?: string; port?: number } = {}): Promise<SecretManagerSandbox> {
  const project = opts.project ?? 'drillctl-sandbox';
  const secrets = new Map<string, Version[]>();
  const denied = new Set<string>();
  const accessed: string[] = [];

  /** The version a name points to, or the gRPC error the real API gives. */
  const lookup = (name: string | undefined, permission: string): { id: string; number: number; version: Version } | grpc.ServiceError => {
    const m = VERSION_NAME.exec(name ?? '');
    if (!m) return failure(grpc.status.INVALID_ARGUMENT, `invalid resource name "${name ?? ''}": expected projects/*/secrets/*/versions/*`);
    const [, p, id, v] = m as unknown as [string, string, string, string];
    if (denied.has(id) || denied.has('*')) return failure(grpc.status.PERMISSION_DENIED, `Permission '${permission}' denied for resource '${name}' (or it may not exist).`);
    const versions = p === project ? secrets.get(id) : undefined;
    if (!versions || versions.length === 0) return failure(grpc.status.NOT_FOUND, `Secret [projects/${p}/secrets/${id}] not found or has no versions.`);
    let number: number;
    if (v === 'latest') {
      number = versions.length;
    } else {
      number = Number(v);
      if (!Number.isInteger(number) || number < 1 || number > versions.length) return failure(grpc.status.NOT_FOUND, `Secret Version [${name}] not found.`);
    }
    return { id, number, version: versions[number - 1]! };
  };
  const versionMessage = (id: string, number: number, version: Version) => ({
    name: `projects/${project}/secrets/${id}/versions/${number}`,
    createTime: { seconds: String(Math.floor(version.createTimeMs / 1000)), nanos: 0 },
    state: version.state,
  });

  const server = new grpc.Server();
  server.addService(secretManagerService(), {
    AccessSecretVersion(call: Call, cb: Callback) {
      accessed.push(call.request.name ?? '');
      const found = lookup(call.request.name, 'secretmanager.versions.access');
      if (found instanceof Error) return cb(found);
      if (found.version.state !== 'ENABLED') return cb(failure(grpc.status.FAILED_PRECONDITION, `Secret Version [projects/${project}/secrets/${found.id}/versions/${found.number}] is in DISABLED state.`));
      cb(null, { name: `projects/${project}/secrets/${found.id}/versions/${found.number}`, payload: { data: Buffer.from(found.version.value, 'utf8') } });
    },
    GetSecretVersion(call: Call, cb: Callback) {
      const found = lookup(call.request.name, 'secretmanager.versions.get');
      if (found instanceof Error) return cb(found);
      cb(null, versionMessage(found.id, found.number, found.version));
    },
    TestIamPermissions(call: Call, cb: Callback) {
      const id = /^projects\/[^/]+\/secrets\/([^/]+)$/.exec(call.request.resource ?? '')?.[1] ?? '';
      const granted = denied.has(id) || denied.has('*') ? [] : (call.request.permissions ?? []);
      cb(null, { permissions: granted });
    },
  } as unknown as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${opts.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );

  return {
    project,
    address: `127.0.0.1:${port}`,
    addSecretVersion(id, value) {
      const versions = secrets.get(id) ?? [];
      versions.push({ value, state: 'ENABLED', createTimeMs: Date.now() });
      secrets.set(id, versions);
      return `gcp:projects/${project}/secrets/${id}/versions/${versions.length}`;
    },
    setVersionEnabled(id, version, enabled) {
      const v = secrets.get(id)?.[version - 1];
      if (!v) throw new Error(`the Secret Manager sandbox has no version ${version} of secret ${id}`);
      v.state = enabled ? 'ENABLED' : 'DISABLED';
    },
    denyAccess: (id) => void denied.add(id),
    clearFaults: () => denied.clear(),
    accessed: () => [...accessed],
    async stop() {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}
