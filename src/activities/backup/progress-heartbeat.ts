import { Context } from '@temporalio/activity';

/**
 * Heartbeats the latest progress at most once per interval, and at least that often while the
 * activity waits on a quiet CLI, so a dead worker is noticed within the heartbeat timeout and a
 * retry gets the last details to resume from.
 */
export class ProgressHeartbeat<T> {
  private latest: T;
  private lastSentMs = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    initial: T,
    private readonly intervalMs = 1000,
  ) {
    this.latest = initial;
    this.send();
    this.timer = setInterval(() => this.send(), intervalMs);
  }

  private send(): void {
    this.lastSentMs = Date.now();
    Context.current().heartbeat(this.latest);
  }

  update(details: T): void {
    this.latest = details;
    if (Date.now() - this.lastSentMs >= this.intervalMs) this.send();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
