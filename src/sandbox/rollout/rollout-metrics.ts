import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The runbook's alert budgets as metrics a rollout's analysis reads: p95
 * projection lag (budget 25 events per 10 m), write-failure ratio (1 %), drifts per shard (3 per
 * 10 m), replay errors (0 per 15 m). Healthy values by default.
 */
export const HEALTHY_METRICS: Record<string, number> = {
  'projection-lag-p95': 3,
  'write-failure-ratio': 0.001,
  drifts: 0,
  'replay-errors': 0,
};

export interface RolloutMetrics {
  url: string;
  set(name: string, value: number): void;
  reset(): void;
  stop(): Promise<void>;
}

/** `GET /<name>` answers `{"value": n}`; an unknown name is a 404. */
export async function startRolloutMetrics(): Promise<RolloutMetrics> {
  let values = { ...HEALTHY_METRICS };
  const server = http.createServer((req, res) => {
    const name = (req.url ?? '/').split('?')[0]!.slice(1);
    if (req.method !== 'GET' || !(name in values)) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `unknown metric; known: ${Object.keys(values).join(', ')}` }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: values[name] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set(name, value) {
      if (!(name in HEALTHY_METRICS)) throw new Error(`unknown metric "${name}"; known: ${Object.keys(HEALTHY_METRICS).join(', ')}`);
      values[name] = value;
    },
    reset() {
      values = { ...HEALTHY_METRICS };
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
