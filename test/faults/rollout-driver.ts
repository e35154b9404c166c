import type { ServicesClient } from '@google-cloud/run';
import type { WorkflowHandle } from '@temporalio/client';
import type { DrillClient } from '../../src/client';
import { loadRolloutPlan } from '../../src/domain/rollout/plan-context';
import { RELEASE_SERVICES, SANDBOX_ROLLOUT_ENVIRONMENT } from '../../src/sandbox/rollout';
import { releaseServiceGroup } from '../../src/sandbox/rollout/release-group';
import { approveUpdate, rolloutStatusQuery } from '../../src/contracts/rollout';
import { startStack, type Stack } from '../support/stack';
import { cloudRunClient, setTraffic, sleep, stackClient } from './stack-client';

export const release = releaseServiceGroup();
const PINNED = 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION';
type Role = 'backend' | 'dashboard';

/** What a service's traffic is before a rollout (stable pinned) and after it promotes (candidate pinned, the staff tag kept). */
export const stableTraffic = (role: Role) => [{ type: PINNED, revision: release.stable[role]!, percent: 100, tag: '' }];
export const promotedTraffic = (role: Role, tag = '') => [{ type: PINNED, revision: release.candidate[role]!, percent: 100, tag }];

/** Every release service back on its stable revision, as a rollout finds them. */
export async function pinStable(admin: ServicesClient, stack: Stack): Promise<void> {
  for (const [role, service] of Object.entries(RELEASE_SERVICES)) await setTraffic(admin, stack, service, stableTraffic(role as Role));
}

/** Alice approves each step as it asks, until the run closes. */
export async function approveEachStep(handle: WorkflowHandle): Promise<void> {
  const decided = new Set<string>();
  for (;;) {
    const s = await handle.query(rolloutStatusQuery).catch(() => undefined);
    if (!s || (await handle.describe()).status.name !== 'RUNNING') return;
    if (s.phase === 'awaiting-approval' && s.currentStep && !decided.has(s.currentStep)) {
      await handle.executeUpdate(approveUpdate, { args: [{ step: s.currentStep, approver: 'alice', reason: 'fault matrix' }] });
      decided.add(s.currentStep);
    }
    await sleep(100);
  }
}

/** `drillctl rollout start` of a plan (YAML) on the sandbox's release group, started by carol, with alice approving. */
export async function startRollout(stack: Stack, client: DrillClient, planYaml: string): Promise<{ handle: WorkflowHandle; since: number; approving: Promise<void> }> {
  const since = Date.now();
  const { plan } = loadRolloutPlan(planYaml, 'fault plan', stack.workerConfig);
  const run = await client.startRollout({ environment: plan.environment, group: plan.serviceGroup, initiator: 'carol', plan });
  return { handle: run.handle, since, approving: approveEachStep(run.handle) };
}

/** A failed test must not leave its rollout holding the group's traffic lock for the next one. */
export async function terminateLeftoverRollouts(client: DrillClient): Promise<void> {
  for await (const wf of client.temporal.workflow.list({ query: `ExecutionStatus = 'Running' AND WorkflowId = 'traffic-${SANDBOX_ROLLOUT_ENVIRONMENT}-convex'` })) {
    await client.temporal.workflow.getHandle(wf.workflowId).terminate('fault matrix: test over').catch(() => undefined);
  }
}

/** What a fault-matrix block of rollouts runs against: its stack, the client `drillctl` uses, and the real Cloud Run client. */
export interface RolloutFaultStack {
  stack: Stack;
  client: DrillClient;
  admin: ServicesClient;
}

/**
 * Mocha hooks for a fault-matrix block of rollouts on the sandbox's release group: one stack for the
 * block (Cloud Run propagating in 100 ms); each test starts with no faults and every release service
 * on its stable revision, and ends with no faults and no rollout left holding the group's lock.
 */
export function useRolloutFaultStack(name: string): RolloutFaultStack {
  const rig = {} as RolloutFaultStack;
  before(async () => {
    rig.stack = await startStack(name);
    rig.stack.sandbox.cloudRun.setPropagationDelay(100);
    rig.client = await stackClient(rig.stack);
    rig.admin = cloudRunClient(rig.stack);
  });
  after(async () => {
    await rig.admin?.close();
    await rig.stack?.stop();
  });
  beforeEach(async () => {
    rig.stack.sandbox.faults.clear();
    await pinStable(rig.admin, rig.stack);
  });
  afterEach(async () => {
    rig.stack.sandbox.faults.clear();
    await terminateLeftoverRollouts(rig.client);
  });
  return rig;
}
