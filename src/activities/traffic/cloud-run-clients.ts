import { RevisionsClient, ServicesClient } from '@google-cloud/run';
import { ApplicationFailure } from '@temporalio/common';
import { GoogleAuth, grpc, googleAuthLibrary, type ClientOptions } from 'google-gax';
import type { CloudRunTarget } from '../../domain/traffic/cloud-run-target';
import { withCachedLroDecoders } from './lro-decoders';

export type { CloudRunTarget };

export interface CloudRunClients {
  services: ServicesClient;
  revisions: RevisionsClient;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * Client options for an environment. Production: Google's default credentials and endpoint. A
 * sandbox emulator: plaintext gRPC with credentials from gax's own grpc-js copy and a pass-through
 * auth client, so nothing probes the metadata server or reaches Google.
 */
export function cloudRunClientOptions(target: CloudRunTarget): ClientOptions {
  if (!target.apiEndpoint) return { projectId: target.project };
  if (!target.sandbox) {
    throw ApplicationFailure.nonRetryable(
      `cloudRun.apiEndpoint ${target.apiEndpoint} is set on an environment that is not a sandbox; remove it to use Cloud Run`,
      'CloudRunConfigInvalid',
    );
  }
  const at = target.apiEndpoint.lastIndexOf(':');
  const host = at > 0 ? target.apiEndpoint.slice(0, at) : target.apiEndpoint;
  const port = at > 0 ? Number(target.apiEndpoint.slice(at + 1)) : 443;
  if (!LOOPBACK.has(host) || !Number.isInteger(port)) {
    throw ApplicationFailure.nonRetryable(`cloudRun.apiEndpoint must be a loopback host:port for the sandbox emulator (got ${target.apiEndpoint})`, 'CloudRunConfigInvalid');
  }
  return {
    apiEndpoint: host,
    port,
    sslCreds: grpc.credentials.createInsecure(),
    auth: new GoogleAuth({ projectId: target.project, authClient: new googleAuthLibrary.PassThroughClient() }),
    fallback: false,
  };
}

const cache = new Map<string, CloudRunClients>();

/** One pair of clients per endpoint and project for the worker's life (they hold a gRPC channel). */
export function cloudRunClients(target: CloudRunTarget): CloudRunClients {
  const key = JSON.stringify([target.project, target.apiEndpoint ?? '', target.sandbox]);
  let clients = cache.get(key);
  if (!clients) {
    const opts = cloudRunClientOptions(target);
    clients = { services: withCachedLroDecoders(new ServicesClient(opts)), revisions: new RevisionsClient(opts) };
    cache.set(key, clients);
  }
  return clients;
}

/** Closes every cached client (tests, worker shutdown). */
export async function closeCloudRunClients(): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  await Promise.all(all.flatMap((c) => [c.services.close(), c.revisions.close()]));
}
