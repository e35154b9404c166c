import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { FunctionError, type StandInFunctions } from './functions';
import { nextConvexTs } from './timestamps';
import { fromConvexEncodedJson, int64ToBase64, toConvexEncodedJson } from './values';

/** The sync-protocol subset the CLI needs. */
interface StateVersion {
  querySet: number;
  identity: number;
  ts: bigint;
}

interface Subscription {
  udfPath: string;
  args: unknown[];
}

interface Modification {
  type: 'QueryUpdated' | 'QueryFailed' | 'QueryRemoved';
  queryId: number;
  [k: string]: unknown;
}

const PING_INTERVAL_MS = 15_000;

class SyncSession {
  private version: StateVersion = { querySet: 0, identity: 0, ts: 0n };
  private querySet = 0;
  private identity = 0;
  private admin = false;
  private readonly queries = new Map<number, Subscription>();
  private readonly lastSent = new Map<number, string>();

  constructor(
    private readonly socket: WebSocket,
    private readonly functions: StandInFunctions,
    private readonly adminKey: string,
  ) {
    socket.on('message', (data) => this.onMessage(String(data)));
  }

  private send(message: unknown): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private onMessage(text: string): void {
    let msg: { type?: string; [k: string]: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return this.send({ type: 'FatalError', error: 'message is not JSON' });
    }
    switch (msg.type) {
      case 'Authenticate': {
        const baseVersion = Number(msg.baseVersion ?? 0);
        if (msg.tokenType === 'Admin' && msg.value === this.adminKey) {
          this.admin = true;
          this.identity = baseVersion + 1;
        } else {
          this.admin = false;
          this.send({ type: 'AuthError', error: 'The provided admin key was invalid for this instance', baseVersion, authUpdateAttempted: false });
        }
        return this.push([]);
      }
      case 'ModifyQuerySet': {
        const removed: Modification[] = [];
        for (const m of (msg.modifications as { type: string; queryId: number; udfPath?: string; args?: unknown[] }[]) ?? []) {
          if (m.type === 'Add') this.queries.set(m.queryId, { udfPath: m.udfPath ?? '', args: m.args ?? [] });
          else if (m.type === 'Remove') {
            this.queries.delete(m.queryId);
            this.lastSent.delete(m.queryId);
            removed.push({ type: 'QueryRemoved', queryId: m.queryId });
          }
        }
        this.querySet = Number(msg.newVersion ?? this.querySet);
        return this.push(removed);
      }
      case 'Mutation':
      case 'Action':
        return this.send({ type: `${msg.type}Response`, requestId: msg.requestId, success: false, result: 'mutations and actions over the sync socket are not supported by the Convex stand-in', logLines: [] });
      default:
        // Connect and Event need no answer.
        return;
    }
  }

  /** Sends a Transition with every query whose value changed (and `extra`), if anything changed. */
  push(extra: Modification[]): void {
    const mods: Modification[] = [...extra];
    for (const [queryId, q] of this.queries) {
      let mod: Modification;
      if (!this.admin) {
        mod = { type: 'QueryFailed', queryId, errorMessage: 'Unauthenticated: the sync socket has no valid admin key', errorData: null, logLines: [], journal: null };
      } else {
        try {
          const value = this.functions.run('query', q.udfPath, fromConvexEncodedJson(q.args[0] ?? {}));
          mod = { type: 'QueryUpdated', queryId, value: toConvexEncodedJson(value), logLines: [], journal: null };
        } catch (err) {
          const message = err instanceof FunctionError ? err.message : `Server error: ${(err as Error).message}`;
          mod = { type: 'QueryFailed', queryId, errorMessage: message, errorData: null, logLines: [], journal: null };
        }
      }
      const fingerprint = JSON.stringify(mod);
      if (this.lastSent.get(queryId) === fingerprint) continue;
      this.lastSent.set(queryId, fingerprint);
      mods.push(mod);
    }
    if (mods.length === 0 && this.version.querySet === this.querySet && this.version.identity === this.identity) return;
    const end: StateVersion = { querySet: this.querySet, identity: this.identity, ts: nextConvexTs() };
    const wire = (v: StateVersion): unknown => ({ querySet: v.querySet, identity: v.identity, ts: int64ToBase64(v.ts) });
    // The client requires each startVersion to equal the previous endVersion (remote_query_set.ts).
    this.send({ type: 'Transition', startVersion: wire(this.version), endVersion: wire(end), modifications: mods });
    this.version = end;
  }
}

/** Serves `/api/<any client version>/sync` for one stand-in deployment. */
export class SyncSocketServer {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly sessions = new Set<SyncSession>();
  private readonly pinger: NodeJS.Timeout;

  constructor(
    private readonly functions: StandInFunctions,
    private readonly adminKey: string,
  ) {
    // The client reconnects after 60 s of silence; long stalls need keep-alives.
    this.pinger = setInterval(() => {
      for (const client of this.wss.clients) if (client.readyState === client.OPEN) client.send('{"type":"Ping"}');
    }, PING_INTERVAL_MS);
    this.pinger.unref();
  }

  static isSyncPath(url: string): boolean {
    return /^\/api\/[^/]+\/sync(\?|$)/.test(url);
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new SyncSession(ws, this.functions, this.adminKey);
      this.sessions.add(session);
      ws.on('close', () => this.sessions.delete(session));
      ws.on('error', () => ws.terminate());
    });
  }

  /** Called when stand-in state changes: every subscriber gets the new values. */
  broadcast(): void {
    for (const s of this.sessions) s.push([]);
  }

  close(): void {
    clearInterval(this.pinger);
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }
}
