import type { DrillClient } from '../../client';
import type { ProgressView } from './live-view';
import { progressLine, renderProgress } from './render-progress';

const POLL_MS = 1000;

/**
 * Shows a run's progress in `view` until `until` settles (the run's result, usually), and gives
 * what it settled with. A progress read that fails (a worker restart, a blip) is skipped: the
 * next one shows the run again.
 */
export async function followRun<T>(client: DrillClient, workflowId: string, runId: string | undefined, view: ProgressView, until: Promise<T>, pollMs = POLL_MS): Promise<T> {
  let settled = false;
  const done = until.finally(() => {
    settled = true;
  });
  try {
    while (!settled) {
      try {
        const p = await client.progress(workflowId, runId);
        if (!settled) view.show(renderProgress(p), progressLine(p), p.elapsedMs);
      } catch {
        // shown again on the next poll
      }
      await Promise.race([done.catch(() => undefined), new Promise((r) => setTimeout(r, pollMs))]);
    }
    return await done;
  } finally {
    view.stop();
  }
}
