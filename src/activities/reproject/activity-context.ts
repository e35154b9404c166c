import { Context } from '@temporalio/activity';

/** Cancellation and heartbeats when running as an activity; nothing when called directly (tests). */
export function activityHooks(): { signal?: AbortSignal; onProgress?: () => void } {
  try {
    const ctx = Context.current();
    return { signal: ctx.cancellationSignal, onProgress: () => ctx.heartbeat() };
  } catch {
    return {};
  }
}
