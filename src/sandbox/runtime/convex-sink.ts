import type { ReprojectScope } from '../../domain/reproject/scopes';
import type { SinkFault } from './faults';
import type { RuntimeSettings } from './settings';

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    }, { once: true });
  });
}

/** A sink call that did not reach Convex or was refused; the projector reports `sink_write_failed`. */
export class SinkWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SinkWriteError';
  }
}

/**
 * The runtime's HttpSink, pointed at the Convex stand-in: POST /api/mutation with
 * `Authorization: Convex <admin key>` and the drillProjections contract (upsert / remove by
 * the projection's `key`, the entity id), with the HttpSink's request timeout.
 */
export class ConvexProjectionSink {
  constructor(
    private readonly settings: RuntimeSettings,
    private readonly adminKey: string,
    private readonly fault: SinkFault | undefined,
  ) {}

  async upsert(scope: ReprojectScope, entityId: string, doc: Record<string, unknown>): Promise<void> {
    const written = this.fault?.mode === 'drift' ? { ...doc, status: 'drifted' } : doc;
    await this.mutation('drillProjections:upsert', { table: this.settings.tables[scope], key: entityId, doc: written });
  }

  async remove(scope: ReprojectScope, entityId: string): Promise<boolean> {
    return (await this.mutation('drillProjections:remove', { table: this.settings.tables[scope], key: entityId })) === true;
  }

  private async mutation(fn: string, args: Record<string, unknown>): Promise<unknown> {
    // A slow sink spends its delay inside the request's time budget, as a slow Convex would.
    const signal = AbortSignal.timeout(this.settings.sinkTimeoutMs);
    let res: Response;
    let text: string;
    try {
      // A timer keeps the process alive: a pending promise alone would let it exit.
      if (this.fault?.mode === 'hang') await new Promise<never>(() => setInterval(() => undefined, 60_000));
      if (this.fault?.delayMs) await delay(this.fault.delayMs, signal);
      if (this.fault?.mode === 'noop') return true;
      if (this.fault?.mode === 'fail') throw new SinkWriteError(`${fn}: injected sink failure`);
      res = await fetch(new URL('/api/mutation', this.settings.convex.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Convex ${this.adminKey}` },
        body: JSON.stringify({ path: fn, args, format: 'json' }),
        signal,
      });
      text = await res.text();
    } catch (err) {
      if (err instanceof SinkWriteError) throw err;
      const e = err as Error & { cause?: Error };
      const why = e.name === 'TimeoutError' ? `no answer within ${this.settings.sinkTimeoutMs} ms` : (e.cause?.message ?? e.message);
      throw new SinkWriteError(`${fn}: ${why}`);
    }
    let body: { status?: string; value?: unknown; errorMessage?: string; code?: string; message?: string } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // Reported below with the status.
    }
    if (!res.ok || body.status !== 'success') {
      throw new SinkWriteError(`${fn}: HTTP ${res.status} ${body.code ? `${body.code}: ` : ''}${body.errorMessage ?? body.message ?? text.slice(0, 120)}`);
    }
    return body.value;
  }
}
