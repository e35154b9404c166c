import { patched, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { SETTINGS_FAILURES } from '../settings/errors';

/** Marks runs whose settings come from the worker's config rather than from their input. */
export const WORKER_OWNED_CONFIG_PATCH = 'worker-owned-config';

export const settings = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: SETTINGS_FAILURES },
});

/**
 * The settings a workflow runs with, resolved by the worker from its own config as the first step,
 * before any side effect. Runs recorded before the worker owned its config carried the resolved
 * settings in their input; on replay they keep using them.
 */
export async function fromWorkerConfig<I>(request: object, resolve: () => Promise<I>): Promise<I> {
  if (!patched(WORKER_OWNED_CONFIG_PATCH)) return request as I;
  return resolve();
}
