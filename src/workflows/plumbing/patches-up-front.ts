import { patched } from '@temporalio/workflow';

/** Runs started before this patch decide each patch where the code first asks, as they recorded it. */
export const PATCHES_UP_FRONT_PATCH = 'patches-up-front';

/**
 * Decides a workflow's patches in its first workflow task, before any local activity. A patch first
 * asked for right after a local activity can be replayed a task too early: when the activity's
 * result reached the workflow in a later task than its marker (a query or an Update meanwhile is
 * enough), the patch marker is recorded in that later task, but on replay the result comes from the
 * marker at once, the code asks before the SDK has seen the patch marker, gets false, and the run
 * fails with a nondeterminism error (12 of 60 parked rollouts after a worker restart, on
 * rollout-skip-unchanged-step-attribute after the change-window check).
 */
export function decidePatchesUpFront(ids: readonly string[]): void {
  if (!patched(PATCHES_UP_FRONT_PATCH)) return;
  for (const id of ids) patched(id);
}
