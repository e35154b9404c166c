import type { Client } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnection } from '@temporalio/worker';
import { webUiUrlFromEnv } from './web-ui';

// The client and worker libraries are loaded on first use: the CLI's help and validation paths
// never need them.

export interface TemporalTarget {
  address: string;
  namespace: string;
  connectionOptions: ReturnType<typeof loadClientConnectConfig>['connectionOptions'];
  /** The Web UI's base URL when one is configured (see web-ui.ts for the defaults otherwise). */
  uiUrl?: string;
}

export const DEFAULT_ADDRESS = '127.0.0.1:7233';

/**
 * Where to reach Temporal, by Temporal's own environment-configuration conventions
 * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*, TOML profiles via
 * TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE), so the same binaries work against the embedded dev
 * server, a self-hosted cluster or Temporal Cloud. An explicit address (e.g. --address) wins.
 */
export function resolveTemporalTarget(overrides: { address?: string; namespace?: string; uiUrl?: string } = {}): TemporalTarget {
  const { connectionOptions, namespace } = loadClientConnectConfig();
  const address = overrides.address ?? connectionOptions.address ?? DEFAULT_ADDRESS;
  const uiUrl = webUiUrlFromEnv() ?? overrides.uiUrl;
  return {
    address,
    namespace: overrides.namespace ?? namespace ?? 'default',
    connectionOptions: { ...connectionOptions, address },
    ...(uiUrl ? { uiUrl } : {}),
  };
}

/** Raised when Temporal cannot be reached; the CLI turns it into one clear line. */
export class TemporalUnreachableError extends Error {
  constructor(
    readonly address: string,
    cause: unknown,
  ) {
    super(`cannot reach Temporal at ${address}: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'TemporalUnreachableError';
  }
}

export async function connectClient(target: TemporalTarget): Promise<Client> {
  try {
    const { Client, Connection } = await import('@temporalio/client');
    const connection = await Connection.connect({ ...target.connectionOptions, connectTimeout: 5000 });
    return new Client({ connection, namespace: target.namespace });
  } catch (err) {
    throw new TemporalUnreachableError(target.address, err);
  }
}

export async function connectWorkerConnection(target: TemporalTarget): Promise<NativeConnection> {
  try {
    const { NativeConnection } = await import('@temporalio/worker');
    return await NativeConnection.connect(target.connectionOptions);
  } catch (err) {
    throw new TemporalUnreachableError(target.address, err);
  }
}
