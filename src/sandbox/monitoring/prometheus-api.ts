import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestLog } from '../cloud-run/request-log';
import { evaluate, PromQLError } from './promql';

export interface PrometheusApi {
  url: string;
  /** Every query answered, for tests (the query text, as sent). */
  queries: string[];
  stop(): Promise<void>;
}

/**
 * Prometheus' HTTP API (`GET|POST /api/v1/query`, instant queries) over the routers' request log,
 * for the PromQL subset in ./promql.ts. With `bearerToken`, a request without
 * `Authorization: Bearer <token>` is answered 401, as a Prometheus behind an auth proxy would.
 */
export async function startPrometheusApi(opts: { log: RequestLog; bearerToken?: string }): Promise<PrometheusApi> {
  const queries: string[] = [];
  const send = (res: http.ServerResponse, status: number, body: object): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://prometheus');
      if (url.pathname !== '/api/v1/query' || (req.method !== 'GET' && req.method !== 'POST')) {
        send(res, 404, { status: 'error', errorType: 'not_found', error: 'the sandbox Prometheus serves GET|POST /api/v1/query only' });
        return;
      }
      if (opts.bearerToken && req.headers.authorization !== `Bearer ${opts.bearerToken}`) {
        send(res, 401, { status: 'error', errorType: 'unauthorized', error: 'missing or wrong bearer token' });
        return;
      }
      const params = req.method === 'POST' ? new URLSearchParams(Buffer.concat(chunks).toString('utf8')) : url.searchParams;
      const query = params.get('query') ?? '';
      const time = params.get('time');
      const atMs = time ? Number(time) * 1000 : Date.now();
      queries.push(query);
      try {
        const r = evaluate(query, opts.log, atMs);
        const at = atMs / 1000;
        const format = (v: number): string => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v));
        send(res, 200, {
          status: 'success',
          data: r.kind === 'scalar' ? { resultType: 'scalar', result: [at, format(r.value)] } : { resultType: 'vector', result: r.samples.map((s) => ({ metric: s.labels, value: [at, format(s.value)] })) },
        });
      } catch (err) {
        if (err instanceof PromQLError || err instanceof SyntaxError) send(res, 400, { status: 'error', errorType: 'bad_data', error: err.message });
        else send(res, 500, { status: 'error', errorType: 'internal', error: (err as Error).message });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    queries,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
