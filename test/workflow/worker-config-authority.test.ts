import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { BACKUP_RESTORE_WORKFLOW } from '../../src/contracts/backup-restore';
import { ROLLBACK_WORKFLOW } from '../../src/contracts/rollback';
import { testEnv } from '../support/temporal';
import { createTestWorker, emptyWorkerConfig } from '../support/worker';
import { registerHealth } from '../support/worker-config';

const TASK_QUEUE = 'worker-config-authority';

/** An HTTP server that counts every request it receives: where a hostile input would send the key. */
async function captureServer(): Promise<{ url: string; requests: () => number; stop(): Promise<void> }> {
  let count = 0;
  const server = http.createServer((req, res) => {
    count++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => count,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function failureOf(run: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await run;
  } catch (err) {
    assert.ok(err instanceof WorkflowFailedError, String(err));
    assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
    return err.cause;
  }
  return assert.fail('the workflow should have been refused');
}

// Anyone who can start a workflow in the namespace (the Web UI's "Start Workflow" is enough) sends
// whatever input they like. The worker resolves every URL, secret reference and command from its
// own config, so such an input reaches nothing.
describe('the worker owns the configuration (raw Temporal client, real worker)', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let capture: Awaited<ReturnType<typeof captureServer>>;
  const config = emptyWorkerConfig();

  before(async () => {
    env = await testEnv();
    capture = await captureServer();
    // The worker knows one environment, with a health section only.
    registerHealth(config, { environment: 'nonprod', health: { backendUrl: 'http://127.0.0.1:9/', dashboardUrl: 'http://127.0.0.1:9/', timeoutMs: 1000, attempts: 1 } });
    const nonprod = config.environments.nonprod!;
    nonprod.cloudRun = { project: 'drillctl-test', region: 'us-central1' };
    nonprod.serviceGroups.convex = { services: { backend: { service: 'oa-convex-backend-nonprod', probe: { path: '/', identity: 'none' } } } };
    worker = await createTestWorker(env, { taskQueue: TASK_QUEUE, config });
    running = worker.run();
  });
  after(async () => {
    worker.shutdown();
    await running;
    await capture.stop();
  });

  const hostileBackup = (environment: string) => ({
    environment,
    production: false,
    backup: { source: { url: capture.url, adminKey: 'env:CONVEX_ADMIN_KEY' }, restoreMode: 'append', snapshotDir: '/tmp', keepSnapshots: 1, heartbeatTimeoutSeconds: 30 },
    restoreMode: 'append',
    authorization: { destructive: false, confirmed: false, requestedBy: 'mallory' },
    approvers: [],
  });

  it('refuses a backup drill for an environment the worker does not declare, before any request', async () => {
    const cause = await failureOf(env.client.workflow.execute(BACKUP_RESTORE_WORKFLOW, { taskQueue: TASK_QUEUE, workflowId: `hostile-backup-${Date.now()}`, args: [hostileBackup('attacker')] }));
    assert.equal(cause.type, 'NotInWorkerConfig');
    assert.match(cause.message, /environment "attacker" is not declared in the worker's config; known: nonprod/);
    assert.equal(capture.requests(), 0, 'the capture server received nothing');
  });

  it('ignores the URL and secret reference an input carries for a declared environment', async () => {
    const cause = await failureOf(env.client.workflow.execute(BACKUP_RESTORE_WORKFLOW, { taskQueue: TASK_QUEUE, workflowId: `hostile-backup-nonprod-${Date.now()}`, args: [hostileBackup('nonprod')] }));
    assert.equal(cause.type, 'NotConfigured');
    assert.match(cause.message, /environment "nonprod" has no backup section/);
    assert.equal(capture.requests(), 0, 'the capture server received nothing');
  });

  it('refuses a rollback drill naming a service group the worker does not declare, naming it', async () => {
    const cause = await failureOf(
      env.client.workflow.execute(ROLLBACK_WORKFLOW, {
        taskQueue: TASK_QUEUE,
        workflowId: `hostile-rollback-${Date.now()}`,
        args: [{ environment: 'nonprod', group: 'payments', mode: 'dry-run', targets: {}, requestedBy: 'mallory', cloudRun: { project: 'p', region: 'r', apiEndpoint: capture.url, sandbox: true } }],
      }),
    );
    assert.equal(cause.type, 'NotInWorkerConfig');
    assert.match(cause.message, /environment "nonprod" has no service group "payments" in the worker's config; use one of: convex/);
    assert.equal(capture.requests(), 0);
  });
});
