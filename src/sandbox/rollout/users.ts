import http from 'node:http';

export interface SandboxUsers {
  /** Requests sent so far (answered or not). */
  sent(): number;
  stop(): Promise<void>;
}

/**
 * The users of a service: a steady stream of real requests to its URL, as a production service has,
 * so Cloud Run-style request metrics per revision (what a canary is judged by) have something to
 * count. `perSecond` per URL, spread evenly; answers are read and dropped.
 */
export function startSandboxUsers(targets: { url: string; perSecond: number }[]): SandboxUsers {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  let sent = 0;
  const timers = targets
    .filter((t) => t.perSecond > 0)
    .map((t) =>
      setInterval(() => {
        sent++;
        const req = http.get(t.url, { agent }, (res) => res.resume());
        req.setTimeout(10_000, () => req.destroy());
        req.on('error', () => undefined);
      }, Math.max(1, Math.round(1000 / t.perSecond))),
    );
  for (const t of timers) t.unref();
  return {
    sent: () => sent,
    async stop() {
      for (const t of timers) clearInterval(t);
      agent.destroy();
    },
  };
}
