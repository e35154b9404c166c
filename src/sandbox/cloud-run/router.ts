import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestLog } from './request-log';
import type { RoutingTable } from './traffic-rules';

/** A new allocation taking over the data plane. */
export interface SwitchRecord {
  /** Epoch ms (this machine's clock) when the new allocation served every request: migration done. */
  atMs: number;
  /** Epoch ms when the first request could reach the new allocation (migration began). */
  startedAtMs: number;
  /** Service generation whose traffic this is. */
  generation: number;
  routing: RoutingTable;
}

export interface ServiceRouterOptions {
  service: string;
  /** The local URL of a revision's HTTP server, or undefined if it has none. */
  revisionUrl(revision: string): string | undefined;
  propagationDelayMs: number;
  /** How long a new allocation takes to take over every request once it starts (0: at once). */
  migrationWindowMs: number;
  /** Where every answered request is recorded, per revision (the source of the sandbox's request metrics). */
  log?: RequestLog;
}

/** A migration in progress: requests go to `from` or to the new table at random, the new one ever more often. */
interface Migration {
  from: RoutingTable;
  fromWrr: number[];
  startedAtMs: number;
  windowMs: number;
}

/** Host-name prefix that selects a tag, as Cloud Run tag URLs do: `<tag>---<service>...`. */
export const TAG_HOST_SEPARATOR = '---';

/**
 * The data plane of one Cloud Run service: an HTTP proxy at the service URL that splits requests
 * between revisions by the live allocation (smooth weighted round-robin, so a 90/10 split is exactly
 * 90/10 over every 10 requests), and serves tags either on a URL of their own (one extra port per
 * tag, the `uri` of the tag's traffic status) or on the service URL with a `Host: <tag>---anything`
 * header. A new allocation starts to take over only after the propagation delay, and then
 * gradually: during the migration window each request goes to the new allocation with a probability
 * that grows linearly from 0 to 1, otherwise to the old one (Cloud Run documents that a traffic
 * change can take a while to reach every request, not how; this curve is the emulator's guess, see
 * ../README.md). The start and end of each migration are recorded, so tests and the benchmark can
 * compare probe measurements with the real switch.
 */
export class ServiceRouter {
  private routing: RoutingTable = { weights: [], tags: {} };
  private wrrCurrent: number[] = [];
  private readonly records: SwitchRecord[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly servers: http.Server[] = [];
  private readonly tagUrls = new Map<string, Promise<string>>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private propagationDelayMs: number;
  private migrationWindowMs: number;
  private migration: Migration | undefined;
  private generation = 0;
  url = '';

  constructor(private readonly opts: ServiceRouterOptions) {
    this.propagationDelayMs = opts.propagationDelayMs;
    this.migrationWindowMs = opts.migrationWindowMs;
  }

  async start(): Promise<string> {
    this.url = await this.listen(undefined);
    return this.url;
  }

  /** Serves `tag` on a port of its own; the URL is stable for the router's life. */
  tagUrl(tag: string): Promise<string> {
    let url = this.tagUrls.get(tag);
    if (!url) {
      url = this.listen(tag);
      this.tagUrls.set(tag, url);
    }
    return url;
  }

  setPropagationDelay(ms: number): void {
    this.propagationDelayMs = ms;
  }

  setMigrationWindow(ms: number): void {
    this.migrationWindowMs = ms;
  }

  /** Makes `routing` live now (service creation) without waiting for propagation or migration. */
  applyNow(routing: RoutingTable, generation: number): void {
    this.switchTo(routing, generation, Date.now());
  }

  /** Starts migrating to `routing` after the propagation delay; it serves every request one migration window later. */
  schedule(routing: RoutingTable, generation: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const windowMs = this.migrationWindowMs;
      if (windowMs <= 0) {
        this.switchTo(routing, generation, Date.now());
        return;
      }
      // A migration still running when the next one starts is cut short: the old side of the new one is what served last.
      const startedAtMs = Date.now();
      this.migration = { from: this.routing, fromWrr: this.wrrCurrent, startedAtMs, windowMs };
      this.routing = structuredClone(routing);
      this.wrrCurrent = routing.weights.map(() => 0);
      this.generation = generation;
      const done = setTimeout(() => {
        this.timers.delete(done);
        if (this.generation !== generation) return;
        this.migration = undefined;
        this.records.push({ atMs: Date.now(), startedAtMs, generation, routing: structuredClone(routing) });
      }, windowMs);
      this.timers.add(done);
    }, this.propagationDelayMs);
    this.timers.add(timer);
  }

  /** True while a migration window is open (requests may reach either allocation). */
  migrating(): boolean {
    return this.migration !== undefined;
  }

  current(): RoutingTable {
    return structuredClone(this.routing);
  }

  switches(): SwitchRecord[] {
    return structuredClone(this.records);
  }

  /** Which revision the next untagged request goes to (advances the round-robin like a request). */
  pickRevision(): string | undefined {
    const m = this.migration;
    if (m && Math.random() >= (Date.now() - m.startedAtMs) / m.windowMs) return nextByWeight(m.from, m.fromWrr);
    return nextByWeight(this.routing, this.wrrCurrent);
  }

  /** The revision a tag routes to; during a migration the old mapping may still answer. */
  private tagRevision(tag: string): string | undefined {
    const m = this.migration;
    if (m && Math.random() >= (Date.now() - m.startedAtMs) / m.windowMs && tag in m.from.tags) return m.from.tags[tag];
    return this.routing.tags[tag];
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.agent.destroy();
    await Promise.all(
      this.servers.map((s) => {
        s.closeAllConnections();
        return new Promise<void>((resolve) => s.close(() => resolve()));
      }),
    );
  }

  private switchTo(routing: RoutingTable, generation: number, atMs: number): void {
    this.migration = undefined;
    this.generation = generation;
    this.routing = structuredClone(routing);
    this.wrrCurrent = routing.weights.map(() => 0);
    this.records.push({ atMs, startedAtMs: atMs, generation, routing: structuredClone(routing) });
  }

  private async listen(tag: string | undefined): Promise<string> {
    const server = http.createServer((req, res) => this.route(req, res, tag));
    // Cloud Run's front end keeps client connections open; fetch (undici) takes a second off the
    // server's keep-alive hint, so a 1 s timeout made every probe request a new TCP connection.
    server.keepAliveTimeout = 30_000;
    this.servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse, portTag: string | undefined): void {
    const host = req.headers.host ?? '';
    const hostTag = host.includes(TAG_HOST_SEPARATOR) ? host.slice(0, host.indexOf(TAG_HOST_SEPARATOR)) : undefined;
    const tag = portTag ?? hostTag;
    const revision = tag !== undefined ? this.tagRevision(tag) : this.pickRevision();
    const target = revision ? this.opts.revisionUrl(revision) : undefined;
    if (!revision || !target) {
      const why = tag !== undefined ? `tag "${tag}" is not assigned` : 'no revision receives traffic';
      res.writeHead(tag !== undefined ? 404 : 503, { 'content-type': 'text/plain' }).end(`${this.opts.service}: ${why}\n`);
      return;
    }
    const startedAt = performance.now();
    const log = this.opts.log;
    if (log) {
      res.once('finish', () => log.record({ atMs: Date.now(), service: this.opts.service, revision, status: res.statusCode, latencyMs: performance.now() - startedAt }));
    }
    const upstream = http.request(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: { ...req.headers, host: new URL(target).host }, agent: this.agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`${this.opts.service}: revision ${revision} did not answer: ${err.message}\n`);
    });
    req.pipe(upstream);
  }
}

/** Smooth weighted round-robin over a routing table's weights (`wrr` is its running state). */
function nextByWeight(routing: RoutingTable, wrr: number[]): string | undefined {
  const { weights } = routing;
  if (weights.length === 0) return undefined;
  const total = weights.reduce((s, w) => s + w.percent, 0);
  let best = 0;
  for (let i = 0; i < weights.length; i++) {
    wrr[i] = (wrr[i] ?? 0) + (weights[i]?.percent ?? 0);
    if ((wrr[i] ?? 0) > (wrr[best] ?? 0)) best = i;
  }
  wrr[best] = (wrr[best] ?? 0) - total;
  return weights[best]?.revision;
}
