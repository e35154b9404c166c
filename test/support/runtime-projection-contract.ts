import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ContractServer {
  url: string;
  adminKey: string;
  tables: Map<string, Map<string, Record<string, unknown>>>;
  /** Every function call, in order (path and table/key only). */
  calls: string[];
  failWith(status: number | null): void;
  stop(): Promise<void>;
}

/**
 * A minimal server speaking the drillProjections contract of the Convex stand-in (POST
 * /api/mutation and /api/query, `Authorization: Convex <key>`), for tests of the runtime's sink
 * that must not depend on the full stand-in.
 */
export async function startContractServer(adminKey = 'test-admin-key'): Promise<ContractServer> {
  const tables = new Map<string, Map<string, Record<string, unknown>>>();
  const calls: string[] = [];
  let failure: number | null = null;
  const table = (name: string): Map<string, Record<string, unknown>> => {
    if (!tables.has(name)) tables.set(name, new Map());
    return tables.get(name)!;
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.headers.authorization !== `Convex ${adminKey}`) return send(401, { code: 'BadAdminKey', message: 'The provided admin key was invalid for this instance' });
      const { path: fn, args } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { path: string; args: { table: string; key?: string; doc?: Record<string, unknown> } };
      calls.push(`${fn} ${args.table}${args.key ? `/${args.key}` : ''}`);
      if (failure) return send(failure, { status: 'error', errorMessage: 'injected failure' });
      const ok = (value: unknown): void => send(200, { status: 'success', value, logLines: [] });
      if (req.url === '/api/mutation' && fn === 'drillProjections:upsert') {
        table(args.table).set(args.key!, { ...args.doc, key: args.key });
        return ok(null);
      }
      if (req.url === '/api/mutation' && fn === 'drillProjections:remove') return ok(table(args.table).delete(args.key!));
      if (req.url === '/api/query' && fn === 'drillProjections:get') return ok(table(args.table).get(args.key!) ?? null);
      if (req.url === '/api/query' && fn === 'drillProjections:list') return ok([...table(args.table).values()]);
      return send(400, { status: 'error', errorMessage: `Could not find function for '${fn}'` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    adminKey,
    tables,
    calls,
    failWith(status) {
      failure = status;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
