import { ActivityFailure, sleep } from '@temporalio/workflow';
import { causeMessage } from './cause-message';

/** The longest wait between two attempts of a restore: users are on the wrong traffic meanwhile. */
export const RESTORE_RETRY_CAP_MS = 60_000;

/** Wait before attempt `attempt + 1` of a restore: 2 s, doubling, at most RESTORE_RETRY_CAP_MS. */
export function restoreRetryDelayMs(attempt: number): number {
  return Math.min(RESTORE_RETRY_CAP_MS, 2000 * 2 ** Math.min(attempt - 1, 5));
}

/** How a caller makes a failing restore loud: a restore's failure is never swallowed. */
export interface RestoreAttempts {
  /** After each failed attempt, before the wait: record it, show it, alert. */
  failed(attempt: number, message: string): void | Promise<void>;
  /** Once an attempt succeeds after at least one failure. */
  recovered?(): void;
}

/**
 * Runs one compensation action (traffic back, a hook undone) until it succeeds. Only an activity's
 * failure is retried here: anything else (a cancellation, a bug) propagates.
 */
export async function restoreUntilDone<T>(what: string, action: () => Promise<T>, on: RestoreAttempts): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const out = await action();
      if (attempt > 1) on.recovered?.();
      return out;
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      await on.failed(attempt, causeMessage(err));
      await sleep(restoreRetryDelayMs(attempt), { summary: `retry: ${what}` });
    }
  }
}
