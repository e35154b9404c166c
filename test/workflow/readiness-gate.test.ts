import assert from 'node:assert/strict';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { readinessGate } from '../../src/workflows/readiness-gate';
import { attestDocsUpdate, gateStatusQuery, type ReadinessGateInput, type ReadinessGateResult } from '../../src/contracts/readiness-gate';
import { startRevisionServer, type RevisionServer } from '../../src/sandbox/revision-server';
import type { HealthDrillInput, HealthDrillResult } from '../../src/contracts/health';
import { TASK_QUEUE } from '../../src/temporal/task-queue';
import { testEnv } from '../support/temporal';
import { createTestWorker, emptyWorkerConfig } from '../support/worker';
import { registerReadinessGate } from '../support/worker-config';
import { finishedRun } from '../../src/contracts/run-conclusion';

describe('readinessGate workflow: attestation (real dev server)', () => {
  let env: TestWorkflowEnvironment;
  let backend: RevisionServer;
  let dashboard: RevisionServer;
  let worker: Worker;
  let running: Promise<void>;
  const config = emptyWorkerConfig();
  before(async () => {
    env = await testEnv();
    backend = await startRevisionServer({ revision: 'b-00011', kind: 'backend' });
    dashboard = await startRevisionServer({ revision: 'd-00002', kind: 'dashboard' });
    worker = await createTestWorker(env, { config });
    running = worker.run();
  });
  after(async () => {
    worker.shutdown();
    await running;
    await backend.stop();
    await dashboard.stop();
  });

  const health = (): HealthDrillInput => ({ environment: 'test', health: { backendUrl: backend.url, dashboardUrl: dashboard.url, timeoutMs: 2000, attempts: 1 } });
  const input = (timeoutSeconds: number): ReadinessGateInput => ({
    environment: 'test',
    group: 'convex',
    initiator: 'carol',
    scope: 'test-project/us-central1',
    rtoTargetSeconds: 300,
    drills: { health: health() },
    rollbackWorkflowId: `traffic-test-convex-${Date.now()}`,
    attestation: { attesters: ['alice', 'carol'], forbidInitiator: true, timeoutSeconds, onTimeout: 'fail' },
    remainingWork: ['Execute staged cohort rollout in production.'],
  });

  async function waitingForAttestation(handle: WorkflowHandle): Promise<void> {
    for (let i = 0; i < 300; i++) {
      if ((await handle.query(gateStatusQuery)).attestation.state === 'waiting') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail('gate never waited for attestation');
  }

  async function refused(handle: WorkflowHandle, attester: string, reason: string, expected: RegExp): Promise<void> {
    await assert.rejects(handle.executeUpdate(attestDocsUpdate, { args: [{ attester, reason }] }), (err: unknown) => {
      assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
      assert.match(err.cause?.message ?? '', expected);
      return true;
    });
  }

  it('refuses the wrong person, the initiator and a missing reason, then accepts an allowed attester', async () => {
    const handle = await env.client.workflow.start(readinessGate, { args: [registerReadinessGate(config, input(120))], workflowId: `gate-attest-${Date.now()}`, taskQueue: TASK_QUEUE });
    await waitingForAttestation(handle);
    await refused(handle, 'mallory', 'looked fine', /mallory may not attest; allowed: alice, carol/);
    await refused(handle, 'carol', 'my own gate', /carol started this gate and may not attest it/);
    await refused(handle, 'alice', '  ', /a reason is required/);
    assert.equal((await handle.query(gateStatusQuery)).attestation.state, 'waiting', 'a refused attestation changed nothing');

    const record = await handle.executeUpdate(attestDocsUpdate, { args: [{ attester: 'alice', reason: 'runbook and escalation paths reviewed', docs: ['OPERATIONS_RUNBOOK.md'] }] });
    assert.equal(record.state, 'attested');
    await refused(handle, 'alice', 'again', /already attested/);

    const result = await finishedRun<ReadinessGateResult>(handle);
    const docs = result.criteria.find((c) => c.id === 'docs-attested')!;
    assert.equal(docs.status, 'PASS');
    assert.equal(docs.detail, 'attested by alice: runbook and escalation paths reviewed');
    assert.equal(result.steps[0]?.status, 'passed');
    // Only health is configured here, so the drills criterion names what did not run.
    const drills = result.criteria.find((c) => c.id === 'drills-succeeded')!;
    assert.equal(drills.status, 'FAIL');
    assert.match(drills.detail, /backup\/restore not-configured/);
    assert.equal(result.verdict, 'FAIL');
  });

  it('fails the docs criterion when nobody attests within the window (the declared outcome)', async () => {
    const handle = await env.client.workflow.start(readinessGate, { args: [registerReadinessGate(config, input(2))], workflowId: `gate-timeout-${Date.now()}`, taskQueue: TASK_QUEUE });
    const result = await finishedRun<ReadinessGateResult>(handle);
    assert.equal(result.attestation.state, 'timed-out');
    const docs = result.criteria.find((c) => c.id === 'docs-attested')!;
    assert.deepEqual([docs.status, docs.detail], ['FAIL', 'not attested within 2 s']);
    assert.ok(result.remainingWork.includes('Not met, to fix: On-call docs and escalation paths are up to date (not attested within 2 s).'), result.remainingWork.join('\n'));
  });

  it('skips the other drills when baseline health fails', async () => {
    backend.setFault({ kind: 'http-error', status: 500 });
    try {
      // A backup section the drill never reaches: the gate skips it once health fails.
      const request = registerReadinessGate(config, { ...input(1), environment: 'unhealthy', drills: { health: { ...health(), environment: 'unhealthy' } } });
      config.environments.unhealthy!.backup = { source: { url: 'http://127.0.0.1:9', adminKey: 'env:UNUSED_KEY' }, restoreMode: 'append', snapshotDir: 'snapshots', keepSnapshots: 1, includeFileStorage: false, heartbeatTimeoutSeconds: 30 };
      const result = await finishedRun<ReadinessGateResult>(await env.client.workflow.start(readinessGate, { args: [request], workflowId: `gate-unhealthy-${Date.now()}`, taskQueue: TASK_QUEUE }));
      assert.equal(result.steps[0]?.status, 'failed');
      // The failed health drill's own result travels with its failure into the gate's step.
      assert.equal((result.steps[0]?.result as HealthDrillResult | undefined)?.verdict, 'FAIL');
      assert.equal(result.verdict, 'FAIL');
      assert.equal(result.conclusion?.causes[0]?.type, 'Criterion:drills-succeeded');
      assert.deepEqual(result.steps[1], { drill: 'backupRestore', workflowType: 'backupRestoreDrill', status: 'skipped', seconds: 0, error: 'baseline health did not pass' });
    } finally {
      backend.setFault(null);
    }
  });
});
