import assert from 'node:assert/strict';
import type { WorkflowClient } from '@temporalio/client';
import { grpc } from 'google-gax';
import { startUnderTrafficLock, TrafficLockHeldError } from '../../src/contracts/traffic-lock';
import type { TestEndpoint } from './rollout-sandbox';
import type { ChainedRun } from './run-chain';

/** What the Cloud Run emulator answers an UpdateService with while a restore is made to fail (recorded histories carry it). */
export const IAM_DENIES_UPDATE = { code: grpc.status.PERMISSION_DENIED, message: 'injected: IAM policy denies run.services.update' };

/**
 * Whether a group's traffic lock is held: `probeType` is started under it as another workflow would
 * be; if it starts, the lock was free and the probe is terminated at once.
 */
export async function trafficLockHeld(client: WorkflowClient, lock: { environment: string; group: string }, taskQueue: string, probeType: string): Promise<boolean> {
  return startUnderTrafficLock(client, probeType, { environment: lock.environment, group: lock.group, taskQueue, args: [{}] }).then(
    async (h) => {
      await h.terminate('the lock was free: this test failed').catch(() => undefined);
      return false;
    },
    (err: unknown) => {
      if (err instanceof TrafficLockHeldError) return true;
      throw err;
    },
  );
}

/**
 * A compensation that kept failing handed over without ever letting go of the lock: every run but the
 * last continued as new (none failed, timed out or was terminated, which would free the Workflow ID),
 * the last closed as `lastClosedAs`, every run's history stayed short, and none continued as new with
 * an activity in flight (a notice scheduled in the task that continues as new is dropped with the run).
 */
export function assertHandedOverByContinueAsNew(chain: ChainedRun[], lastClosedAs: string): void {
  assert.deepEqual(chain.slice(0, -1).map((r) => r.closedAs), chain.slice(0, -1).map(() => 'EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW'));
  assert.equal(chain[chain.length - 1]!.closedAs, lastClosedAs);
  assert.ok(chain.every((r) => r.events <= 2100), `every run's history stayed short: ${chain.map((r) => r.events).join(', ')}`);
  assertNothingDropped(chain.slice(0, -1));
}

/** No run of the chain that has closed did so with an activity in flight (it was dropped with the run). */
export function assertNothingDropped(chain: ChainedRun[]): void {
  for (const [i, r] of chain.entries()) if (r.closedAs) assert.deepEqual(r.unfinishedActivities, [], `run ${i + 1} closed with activities in flight (dropped with the run)`);
}

/** Over 10 stuck days the stuck notice (idempotency key ending `:<keySuffix>`) went out again at a backoff, each time with its own key, not on every retry. */
export function assertStuckNoticesBackedOff(notices: TestEndpoint, keySuffix: string): void {
  const stuck = notices.calls.filter((c) => (c.idempotencyKey ?? '').endsWith(`:${keySuffix}`));
  assert.ok(stuck.length >= 5 && stuck.length <= 120, `${stuck.length} stuck notices in 10 days`);
  assert.equal(new Set(stuck.map((c) => c.idempotencyKey)).size, stuck.length);
}
