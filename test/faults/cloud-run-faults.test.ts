import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import { finishedRollout } from '../../src/client';
import { RELEASE_SERVICES, SANDBOX_ROLLOUT_ENVIRONMENT } from '../../src/sandbox/rollout';
import { rolloutStatusQuery, type RolloutResult } from '../../src/contracts/rollout';
import { promotedTraffic, stableTraffic, startRollout, useRolloutFaultStack } from './rollout-driver';
import { waitFor } from './stack-client';

const BACKEND = RELEASE_SERVICES.backend;
const DASHBOARD = RELEASE_SERVICES.dashboard;

// Two steps: the staff cohort on a tag at 0 %, then everyone; alice approves each (approve() below).
const PLAN = `environment: ${SANDBOX_ROLLOUT_ENVIRONMENT}
serviceGroup: convex
candidates: { backend: latest, dashboard: latest }
finish: { traffic: pinned }
steps:
  - { name: staff, percent: 0, tag: staff, bake: 3s }
  - { name: full, percent: 100, bake: 1s }
`;

/*
 * Fault matrix, Cloud Run side: a staged rollout on the sandbox's release group (the real
 * @google-cloud/run client over gRPC against the Admin API emulator, the worker in-process), with
 * each control-plane fault injected once the staff step has shifted, i.e. mid-rollout. Every run
 * ends with traffic as planned, and the cause is named where an operator looks.
 */
describe('fault matrix: Cloud Run control plane mid-rollout (emulator over gRPC, real dev server)', function () {
  this.timeout(300_000);
  const rig = useRolloutFaultStack('faults-cloud-run');

  const cloudRun = () => rig.stack.sandbox.cloudRun;
  const stable = stableTraffic;
  const promoted = (role: 'backend' | 'dashboard') => promotedTraffic(role, 'staff');

  /** Starts the rollout and waits until the staff step has shifted every service. */
  async function start(): Promise<{ handle: WorkflowHandle; since: number; approving: Promise<void> }> {
    const run = await startRollout(rig.stack, rig.client, PLAN);
    await waitFor('the staff step to shift', async () => !!(await run.handle.query(rolloutStatusQuery).catch(() => undefined))?.steps.find((x) => x.name === 'staff')?.shiftedAt);
    return run;
  }

  async function rollout(inject: () => void): Promise<{ handle: WorkflowHandle; result: RolloutResult; since: number }> {
    const { handle, since, approving } = await start();
    inject();
    const result = await finishedRollout(handle);
    await approving;
    return { handle, result, since };
  }

  const updates = (service: string, since: number) => cloudRun().calls({ method: 'UpdateService', service }).filter((c) => c.atMs >= since);
  const history = async (handle: WorkflowHandle) => JSON.stringify(await handle.fetchHistory());

  it('UNAVAILABLE in a short burst: the shift is retried, the rollout promotes, and history names the failed attempts', async () => {
    const { handle, result, since } = await rollout(() => cloudRun().unavailableBurst(3, ['UpdateService']));
    assert.equal(result.outcome, 'promoted', result.abortReason);
    assert.deepEqual(cloudRun().view(BACKEND).traffic, promoted('backend'));
    assert.deepEqual(cloudRun().view(DASHBOARD).traffic, promoted('dashboard'));
    assert.deepEqual(updates(BACKEND, since).map((c) => c.outcome).slice(1, 5), ['UNAVAILABLE', 'UNAVAILABLE', 'UNAVAILABLE', 'OK']);
    assert.match(await history(handle), /UNAVAILABLE/);
  });

  it('UNAVAILABLE for longer than the retries: the rollout aborts naming it and restores the exact original', async () => {
    const { result } = await rollout(() => cloudRun().unavailableBurst(8, ['UpdateService']));
    assert.equal(result.outcome, 'aborted');
    assert.match(result.abortReason ?? '', /UNAVAILABLE|unavailable/);
    assert.equal(result.compensation, 'done');
    assert.deepEqual(cloudRun().view(BACKEND).traffic, stable('backend'));
    assert.deepEqual(cloudRun().view(DASHBOARD).traffic, stable('dashboard'));
  });

  it('ABORTED from a concurrent writer (etag race): each change is re-read and applied exactly once, and the rollout promotes', async () => {
    const { handle, result, since } = await rollout(() => cloudRun().staleEtag(DASHBOARD, 2));
    assert.equal(result.outcome, 'promoted', result.abortReason);
    assert.deepEqual(cloudRun().view(DASHBOARD).traffic, promoted('dashboard'));
    const dashboard = updates(DASHBOARD, since).filter((c) => c.atMs >= since);
    assert.equal(dashboard.filter((c) => c.outcome === 'ABORTED').length, 2, JSON.stringify(dashboard.map((c) => c.outcome)));
    // Staff, then full once (after the two refused attempts): no change applied twice.
    assert.equal(dashboard.filter((c) => c.outcome === 'OK').length, 2);
    assert.equal(new Set(dashboard.filter((c) => c.outcome === 'OK').map((c) => c.etag)).size, 2);
    assert.match(await history(handle), /ABORTED|etag|changed by someone else/i);
  });

  it('PERMISSION_DENIED mid-rollout: the rollout aborts naming the permission, and the restore keeps trying until IAM is fixed', async () => {
    const { handle, since, approving } = await start();
    cloudRun().denyPermissions(DASHBOARD, ['run.services.update']);
    // The restore of the dashboard fails too while the permission is missing; it must not give up.
    await waitFor('the restore to be refused at least twice', () => updates(DASHBOARD, since).filter((c) => c.outcome === 'PERMISSION_DENIED').length >= 2);
    const status = await handle.query(rolloutStatusQuery);
    assert.ok(['running', 'stuck'].includes(status.compensation), status.compensation);
    cloudRun().clearFaults();
    const result = await finishedRollout(handle);
    await approving;
    assert.equal(result.outcome, 'aborted');
    assert.match(result.abortReason ?? '', /PERMISSION_DENIED|permission/i);
    assert.match(result.abortReason ?? '', /run\.services\.update/);
    assert.equal(result.compensation, 'done');
    assert.deepEqual(cloudRun().view(BACKEND).traffic, stable('backend'));
    assert.deepEqual(cloudRun().view(DASHBOARD).traffic, stable('dashboard'));
  });

  it('an operation that fails: the failed change is not taken for done, and traffic ends as planned with the cause named', async () => {
    const { handle, result } = await rollout(() => cloudRun().failOperations(BACKEND, 1, { message: 'injected: Revision failed to route' }));
    const text = await history(handle);
    assert.match(text, /Revision failed to route/);
    if (result.outcome === 'promoted') {
      assert.deepEqual(cloudRun().view(BACKEND).traffic, promoted('backend'));
      assert.deepEqual(cloudRun().view(DASHBOARD).traffic, promoted('dashboard'));
    } else {
      assert.match(result.abortReason ?? '', /Revision failed to route/);
      assert.deepEqual(cloudRun().view(BACKEND).traffic, stable('backend'));
      assert.deepEqual(cloudRun().view(DASHBOARD).traffic, stable('dashboard'));
    }
    // Whatever the outcome, the router serves what the API says.
    assert.equal(cloudRun().view(BACKEND).reconciling, false);
  });
});
