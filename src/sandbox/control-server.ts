import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FaultRegistry } from './faults';

/**
 * The sandbox's control plane for tests and `drillctl sandbox fault`, on loopback only:
 * GET /faults, POST /faults/<name> (JSON params), DELETE /faults[/<name>].
 */
export async function startControlServer(faults: FaultRegistry): Promise<{ url: string; stop(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const [, root, name] = (req.url ?? '/').split('?')[0]!.split('/');
        if (root !== 'faults') return send(404, { error: 'unknown route' });
        if (req.method === 'GET') return send(200, faults.list());
        if (req.method === 'DELETE') {
          faults.clear(name ? decodeURIComponent(name) : undefined);
          return send(200, { cleared: name ?? 'all' });
        }
        if (req.method === 'POST' && name) {
          const params = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
          faults.inject(decodeURIComponent(name), params);
          return send(200, { injected: name, params });
        }
        return send(405, { error: 'method not allowed' });
      } catch (err) {
        return send(400, { error: (err as Error).message });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
