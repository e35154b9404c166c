import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CohortFlagService {
  url: string;
  /** Cohort name to enabled. */
  flags(): Record<string, boolean>;
  /** Answer every request with this HTTP status instead (a broken flag service); null clears it. */
  setFailure(status: number | null): void;
  stop(): Promise<void>;
}

/**
 * The application-level cohort switch a rollout's hooks flip: `PUT /cohorts/<name>` with
 * `{"enabled": true|false}` (idempotent, as hooks must be), `GET /cohorts` for the state.
 */
export async function startCohortFlagService(): Promise<CohortFlagService> {
  const state: Record<string, boolean> = {};
  let failure: number | null = null;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (failure !== null) return send(failure, { error: 'injected failure of the cohort flag service' });
      const url = (req.url ?? '/').split('?')[0]!;
      if (req.method === 'GET' && url === '/cohorts') return send(200, state);
      const m = /^\/cohorts\/([a-z0-9-]+)$/.exec(url);
      if (!m || (req.method !== 'PUT' && req.method !== 'POST')) return send(404, { error: 'use PUT /cohorts/<name> {"enabled": bool}' });
      let body: { enabled?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { enabled?: unknown };
      } catch {
        return send(400, { error: 'body is not JSON' });
      }
      if (typeof body.enabled !== 'boolean') return send(400, { error: 'body needs "enabled": true or false' });
      state[m[1]!] = body.enabled;
      return send(200, { cohort: m[1], enabled: body.enabled });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    flags: () => ({ ...state }),
    setFailure(status) {
      failure = status;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
