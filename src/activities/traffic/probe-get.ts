import http from 'node:http';
import https from 'node:https';

// Probes ask every 250 ms of a switch, for every service of every drill and rollout step. Node's
// http client on kept-alive connections costs well under half the CPU per request of fetch (undici's
// web streams and abort signals), which the worker's profile showed at 50 concurrent drills.
const clients: Record<string, { get: typeof http.get; agent: http.Agent }> = {
  'http:': { get: http.get, agent: new http.Agent({ keepAlive: true }) },
  'https:': { get: https.get, agent: new https.Agent({ keepAlive: true }) },
};

/** One whole answer to a probe. */
export interface ProbeAnswer {
  status: number;
  /** A response header by name (any case); repeated headers joined with ", ". */
  header(name: string): string | undefined;
  body: string;
}

/**
 * GET without following redirects (a redirect is an answer, as Cloud Run gives it). Rejects on a
 * network error, or when the whole answer has not arrived within `timeoutMs`.
 */
export function probeGet(url: string, timeoutMs: number): Promise<ProbeAnswer> {
  const u = new URL(url);
  const client = clients[u.protocol];
  if (!client) return Promise.reject(new Error(`${url}: only http and https URLs can be probed`));
  return new Promise((resolve, reject) => {
    const fail = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    const req = client.get(u, { agent: client.agent, headers: { 'cache-control': 'no-cache' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', fail);
      res.on('close', () => {
        if (!res.complete) fail(new Error('the connection closed before the answer was complete'));
      });
      res.on('end', () => {
        clearTimeout(timer);
        const headers = res.headers;
        resolve({
          status: res.statusCode ?? 0,
          header: (name) => {
            const v = headers[name.toLowerCase()];
            return Array.isArray(v) ? v.join(', ') : v;
          },
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    const timer = setTimeout(() => {
      const err = new Error(`no whole answer within ${timeoutMs} ms`);
      fail(err);
      req.destroy(err);
    }, timeoutMs);
    req.on('error', fail);
  });
}
