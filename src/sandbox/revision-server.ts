import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type RevisionKind = 'backend' | 'dashboard';

/** What a revision does instead of answering normally. */
export type RevisionFault =
  /** `share` (0..1, default 1) of requests fail, spread evenly: 0.25 is exactly every fourth. */
  | { kind: 'http-error'; status: number; share?: number }
  | { kind: 'wrong-body' }
  | { kind: 'empty-version' }
  | { kind: 'slow'; delayMs: number };


export interface RevisionServer {
  revision: string;
  kind: RevisionKind;
  url: string;
  port: number;
  setFault(fault: RevisionFault | null): void;
  stop(): Promise<void>;
}

export interface RevisionServerOptions {
  revision: string;
  kind: RevisionKind;
  port?: number;
  /** What `/version` answers (the backend); defaults to `sandbox-<revision>`. */
  version?: string;
  /**
   * Sidecar or middleware mode: every answer names the revision (Cloud Run's `K_REVISION`) in this
   * response header. Cloud Run itself adds no such header, so it is off unless asked for.
   */
  identityHeader?: string;
}

/**
 * One Cloud Run revision of a Convex backend or dashboard: answers the same health routes as the
 * real containers (`/version`, `/` with "This Convex deployment is running.", dashboard 200). Like
 * Cloud Run and the Convex images, it does not say which revision answered, unless it is started
 * with `identityHeader` (an identity sidecar or middleware in front of the app).
 */
export async function startRevisionServer(opts: RevisionServerOptions): Promise<RevisionServer> {
  let fault: RevisionFault | null = null;
  let served = 0;
  /** Whether this request is one of the failing share (every request, without a share). */
  const failsNow = (share: number | undefined): boolean => {
    served++;
    if (share === undefined || share >= 1) return true;
    return Math.floor(served * share) > Math.floor((served - 1) * share);
  };
  const server = http.createServer((req, res) => {
    const answer = (): void => {
      if (opts.identityHeader) res.setHeader(opts.identityHeader, opts.revision);
      if (fault?.kind === 'http-error' && failsNow(fault.share)) {
        res.writeHead(fault.status, { 'content-type': 'text/plain' }).end(`injected failure on ${opts.revision}\n`);
        return;
      }
      const path = (req.url ?? '/').split('?')[0];
      if (opts.kind === 'backend') {
        if (path === '/version') {
          res.writeHead(200, { 'content-type': 'text/plain' }).end(fault?.kind === 'empty-version' ? '' : (opts.version ?? `sandbox-${opts.revision}`));
        } else if (path === '/') {
          const body = fault?.kind === 'wrong-body' ? 'Service Unavailable' : 'This Convex deployment is running. See https://docs.convex.dev/.';
          res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
        } else {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        }
      } else if (path === '/') {
        res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>Convex Dashboard</title><p>${opts.revision}</p>`);
      } else {
        res.writeHead(302, { location: '/' }).end();
      }
    };
    if (fault?.kind === 'slow') setTimeout(answer, fault.delayMs);
    else answer();
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    revision: opts.revision,
    kind: opts.kind,
    url: `http://127.0.0.1:${port}`,
    port,
    setFault(f) {
      fault = f;
      served = 0;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
