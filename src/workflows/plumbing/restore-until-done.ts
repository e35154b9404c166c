import { ActivityFailure, sleep } from '@temporalio/workflow';
import { causeMessage } from './cause-message';

/** The longest wait between two attempts of a restore: users are on the wrong traffic meanwhile. */
export const RESTORE_RETRY_CAP_MS = 60_000;
/**
 * The wait once a restore has failed for about an hour (64 attempts): by then people have been
 * alerted and are fixing the cause, and a retry a minute for days would spend the Cloud Run Admin
 * API's write quota that their own fix needs. Traffic is back within 5 minutes of the fix.
 */
export const RESTORE_RETRY_LONG_STUCK_MS = 300_000;
const LONG_STUCK_AFTER_ATTEMPTS = 64;

/** Wait before attempt `attempt + 1` of a restore: 2 s, doubling, at most RESTORE_RETRY_CAP_MS; after about an hour, RESTORE_RETRY_LONG_STUCK_MS. */
export function restoreRetryDelayMs(attempt: number): number {
  if (attempt > LONG_STUCK_AFTER_ATTEMPTS) return RESTORE_RETRY_LONG_STUCK_MS;
  return Math.min(RESTORE_RETRY_CAP_MS, 2000 * 2 ** Math.min(attempt - 1, 5));
}

/** How a caller makes a failing restore loud: a restore's failure is never swallowed. */
export interface RestoreAttempts {
  /** After each failed attempt, before the wait: record it, show it, alert. Never await anything slow here (a webhook): the next attempt waits for it. */
  failed(attempt: number, message: string): void | Promise<void>;
  /** Once an attempt succeeds after at least one failure. */
  recovered?(): void;
  /** Attempts made by earlier runs (carried across continue-as-new), so the backoff and the count go on. */
  previousAttempts?: number;
  /**
   * Asked after each failure, before the wait: true ends the loop with RestoreHandOver, so the
   * caller can continue as new (its history is getting long) and carry the restore to the next run.
   */
  handOver?(): boolean;
}

/** A restore still failing, handed to the next run: `attempts` so far, to carry. */
export class RestoreHandOver extends Error {
  constructor(
    readonly what: string,
    readonly attempts: number,
  ) {
    super(`${what}: still failing after ${attempts} attempt(s); continuing in a new run`);
    this.name = 'RestoreHandOver';
  }
}

/**
 * Runs one compensation action (traffic back, a hook undone) until it succeeds. Only an activity's
 * failure is retried here: anything else (a cancellation, a bug) propagates.
 */
export async function restoreUntilDone<T>(what: string, action: () => Promise<T>, on: RestoreAttempts): Promise<T> {
  const first = (on.previousAttempts ?? 0) + 1;
  for (let attempt = first; ; attempt++) {
    try {
      const out = await action();
      if (attempt > 1) on.recovered?.();
      return out;
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      await on.failed(attempt, causeMessage(err));
      if (on.handOver?.()) throw new RestoreHandOver(what, attempt);
      await sleep(restoreRetryDelayMs(attempt), { summary: `retry: ${what}` });
    }
  }
}
