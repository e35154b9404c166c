import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { healthDrill } from '../../src/workflows/health';
import type { HealthDrillInput, HealthDrillResult } from '../../src/contracts/health';
import { SERVING_REVISION_HEADER } from '../../src/domain/revision-header';
import { startRevisionServer, type RevisionServer } from '../../src/sandbox/revision-server';
import { TASK_QUEUE } from '../../src/temporal/task-queue';
import { testEnv } from '../support/temporal';
import { createTestWorker, emptyWorkerConfig } from '../support/worker';
import { registerHealth } from '../support/worker-config';
import { finishedRun } from '../../src/contracts/run-conclusion';

describe('healthDrill workflow (real dev server)', () => {
  let env: TestWorkflowEnvironment;
  let backend: RevisionServer;
  let dashboard: RevisionServer;
  before(async () => {
    env = await testEnv();
    // An identity sidecar in front of the backend names the revision; Cloud Run itself sends no such header.
    backend = await startRevisionServer({ revision: 'backend-00011-v4r', kind: 'backend', identityHeader: SERVING_REVISION_HEADER });
    dashboard = await startRevisionServer({ revision: 'dashboard-00002-hwm', kind: 'dashboard' });
  });
  after(async () => {
    await backend.stop();
    await dashboard.stop();
  });
  afterEach(() => backend.setFault(null));

  const input = (): HealthDrillInput => ({ environment: 'test', health: { backendUrl: backend.url, dashboardUrl: dashboard.url, timeoutMs: 2000, attempts: 2 } });
  const run = async (id: string) => {
    const config = emptyWorkerConfig();
    const worker = await createTestWorker(env, { config });
    const handle = await env.client.workflow.start(healthDrill, { args: [registerHealth(config, input())], workflowId: `${id}-${Date.now()}`, taskQueue: TASK_QUEUE });
    const result = await worker.runUntil(finishedRun<HealthDrillResult>(handle));
    return Object.assign(result, { status: (await handle.describe()).status.name });
  };

  it('passes when every check passes, recording attempts, time and serving revision', async () => {
    const result = await run('health-pass');
    assert.equal(result.verdict, 'PASS');
    assert.deepEqual(result.checks.map((c) => c.name), ['backend-version', 'backend-root', 'dashboard']);
    assert.ok(result.checks.every((c) => c.ok && c.attempts === 1 && c.durationMs >= 0));
    assert.equal(result.checks[0]?.servingRevision, 'backend-00011-v4r');
  });

  it('fails after retrying a failing backend, naming the check and the reason', async () => {
    backend.setFault({ kind: 'http-error', status: 503 });
    const result = await run('health-fail');
    assert.equal(result.verdict, 'FAIL');
    const version = result.checks.find((c) => c.name === 'backend-version')!;
    assert.equal(version.ok, false);
    assert.equal(version.attempts, 2);
    assert.match(version.detail, /HTTP 503/);
    assert.equal(result.checks.find((c) => c.name === 'dashboard')?.ok, true);
    // A FAIL fails the workflow (the Web UI shows it failed) and carries the whole result.
    assert.equal(result.status, 'FAILED');
    assert.match(result.conclusion!.summary, /^Health drill failed: backend-version .*HTTP 503.*Nothing was changed\.$/);
    assert.deepEqual(result.conclusion!.changes, []);
  });
});
