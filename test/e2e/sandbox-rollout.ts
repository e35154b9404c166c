import assert from 'node:assert/strict';
import { snapshotAllocation } from '../../src/domain/traffic/allocation';
import { RELEASE_SERVICES, SANDBOX_ROLLOUT_ENVIRONMENT } from '../../src/sandbox/rollout';
import { rolloutStatusQuery, type RolloutStatus } from '../../src/contracts/rollout';
import { trafficLockWorkflowId } from '../../src/contracts/traffic-lock';
import type { Stack } from '../support/stack';
import { testEnv } from '../support/temporal';

/** The workflow id of every rollout `drillctl rollout start` runs on the sandbox's release group (its traffic lock). */
export const SANDBOX_ROLLOUT_ID = trafficLockWorkflowId(SANDBOX_ROLLOUT_ENVIRONMENT, 'convex');

/** Polls the sandbox rollout's status every 250 ms until `test` holds (a rollout not started yet answers nothing). */
export async function waitForSandboxRollout(what: string, test: (s: RolloutStatus) => boolean, timeoutMs = 120_000): Promise<RolloutStatus> {
  const handle = (await testEnv()).client.workflow.getHandle(SANDBOX_ROLLOUT_ID);
  const deadline = Date.now() + timeoutMs;
  let last: RolloutStatus | undefined;
  while (Date.now() < deadline) {
    last = await handle.query(rolloutStatusQuery).catch(() => undefined);
    if (last && test(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  return assert.fail(`the rollout never reached "${what}"; last: ${last?.phase} at ${last?.currentStep}`);
}

/** Every release service's traffic, as the sandbox's Cloud Run serves it. */
export const releaseTraffic = (stack: Stack) => Object.values(RELEASE_SERVICES).map((service) => snapshotAllocation(stack.sandbox.cloudRun.view(service).traffic));
