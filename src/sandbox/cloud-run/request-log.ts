/** One request a service's router answered (the service URL or a tag URL). */
export interface ServedRequest {
  /** Epoch ms the answer finished. */
  atMs: number;
  service: string;
  revision: string;
  status: number;
  latencyMs: number;
}

/** Enough for hours of demo traffic; the oldest requests go first. */
const DEFAULT_CAPACITY = 500_000;

/**
 * Every request the routers served, per revision: the ground truth the Cloud Monitoring emulator
 * and the Prometheus API report from, as Cloud Run's own request metrics come from its front ends.
 */
export class RequestLog {
  private readonly entries: ServedRequest[] = [];
  private start = 0;

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  record(r: ServedRequest): void {
    this.entries.push(r);
    if (this.entries.length - this.start > this.capacity) this.start++;
    // Compacts now and then instead of shifting on every request.
    if (this.start > this.capacity / 2) {
      this.entries.splice(0, this.start);
      this.start = 0;
    }
  }

  /** Requests that finished in (fromMs, toMs], optionally of one service and revision. */
  between(fromMs: number, toMs: number, filter: { service?: string; revision?: string } = {}): ServedRequest[] {
    const out: ServedRequest[] = [];
    for (let i = this.start; i < this.entries.length; i++) {
      const r = this.entries[i]!;
      if (r.atMs <= fromMs || r.atMs > toMs) continue;
      if (filter.service !== undefined && r.service !== filter.service) continue;
      if (filter.revision !== undefined && r.revision !== filter.revision) continue;
      out.push(r);
    }
    return out;
  }

  /** Every service and revision that served a request in the window. */
  revisions(fromMs: number, toMs: number): { service: string; revision: string }[] {
    const seen = new Map<string, { service: string; revision: string }>();
    for (const r of this.between(fromMs, toMs)) seen.set(`${r.service}/${r.revision}`, { service: r.service, revision: r.revision });
    return [...seen.values()];
  }
}
