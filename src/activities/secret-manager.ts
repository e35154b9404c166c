import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { ApplicationFailure } from '@temporalio/common';
import { GoogleAuth, grpc, googleAuthLibrary, type ClientOptions } from 'google-gax';
import { SecretFailure } from '../domain/failure-types';

/**
 * host:port of a Secret Manager emulator (the sandbox's), named in the worker's environment the
 * way Google's own emulators are (`*_EMULATOR_HOST`). Only loopback is accepted, so a worker can
 * never be pointed at a fake Secret Manager somewhere else; unset, the worker uses Google's API
 * with Application Default Credentials.
 */
export const SECRET_MANAGER_EMULATOR_ENV = 'DRILLCTL_SECRET_MANAGER_EMULATOR_HOST';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function secretManagerClientOptions(emulator = process.env[SECRET_MANAGER_EMULATOR_ENV]): ClientOptions {
  if (!emulator) return {};
  const at = emulator.lastIndexOf(':');
  const host = emulator.slice(0, at);
  const port = Number(emulator.slice(at + 1));
  if (at <= 0 || !LOOPBACK.has(host) || !Number.isInteger(port)) {
    throw ApplicationFailure.nonRetryable(`${SECRET_MANAGER_EMULATOR_ENV} must be a loopback host:port of a Secret Manager emulator (got ${emulator}); unset it to use Secret Manager`, SecretFailure.unavailable);
  }
  return {
    apiEndpoint: host,
    port,
    sslCreds: grpc.credentials.createInsecure(),
    auth: new GoogleAuth({ authClient: new googleAuthLibrary.PassThroughClient() }),
    fallback: false,
  };
}

const clients = new Map<string, SecretManagerServiceClient>();

function clientFor(opts: ClientOptions): SecretManagerServiceClient {
  const key = `${String(opts.apiEndpoint ?? '')}:${String(opts.port ?? '')}`;
  let client = clients.get(key);
  if (!client) {
    client = new SecretManagerServiceClient(opts);
    clients.set(key, client);
  }
  return client;
}

export async function closeSecretManagerClients(): Promise<void> {
  const all = [...clients.values()];
  clients.clear();
  await Promise.all(all.map((c) => c.close()));
}

/** The version resource a `gcp:` reference names; without `/versions/V` it means `latest`. */
export function secretVersionName(ref: string): string {
  const name = ref.slice('gcp:'.length);
  return /\/versions\/[^/]+$/.test(name) ? name : `${name}/versions/latest`;
}

/**
 * Reads a `gcp:projects/P/secrets/S/versions/V` reference through the official client. Errors name
 * the reference and the fix, never the value; only an outage is retryable.
 */
export async function accessSecretVersion(ref: string): Promise<string> {
  const name = secretVersionName(ref);
  try {
    const [res] = await clientFor(secretManagerClientOptions()).accessSecretVersion({ name }, { timeout: 30_000, retry: null });
    const data = res.payload?.data;
    const value = (typeof data === 'string' ? data : data ? Buffer.from(data).toString('utf8') : '').split(/\r?\n/)[0]?.trim();
    if (!value) throw ApplicationFailure.nonRetryable(`secret ${ref} is empty in Secret Manager: add a version that holds the value`, SecretFailure.unavailable);
    return value;
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    const code = (err as { code?: number }).code;
    switch (code) {
      case grpc.status.NOT_FOUND:
        throw ApplicationFailure.nonRetryable(`secret ${ref} was not found in Secret Manager (no such secret or version): create it, or fix the reference`, SecretFailure.unavailable);
      case grpc.status.PERMISSION_DENIED:
        throw ApplicationFailure.nonRetryable(
          `the worker may not read secret ${ref} (permission secretmanager.versions.access denied): grant the worker's service account roles/secretmanager.secretAccessor on the secret`,
          SecretFailure.unavailable,
        );
      case grpc.status.FAILED_PRECONDITION:
        throw ApplicationFailure.nonRetryable(`secret ${ref} cannot be read: the version is disabled or destroyed; enable it, or reference another version`, SecretFailure.unavailable);
      case grpc.status.UNAUTHENTICATED:
        throw ApplicationFailure.nonRetryable(`Secret Manager refused the worker's credentials reading ${ref}: check Application Default Credentials (gcloud auth application-default login, or the worker's service account)`, SecretFailure.unavailable);
      default:
        throw ApplicationFailure.retryable(`Secret Manager did not answer for ${ref}: ${(err as Error).message}`, 'SecretManagerUnavailable');
    }
  }
}
