import assert from 'node:assert/strict';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { startDevServer } from '../../src/temporal/dev-server';
import { TASK_QUEUE } from '../../src/temporal/task-queue';
import { healthDrill } from '../../src/workflows/health';
import { startRevisionServer } from '../../src/sandbox/revision-server';
import { createActivities } from '../../src/activities';
import { emptyWorkerConfig } from '../support/worker';
import { registerHealth } from '../support/worker-config';
import { freePort } from '../support/ports';
import { tempDir, workflowBundle } from '../support/worker';

describe('embedded dev server persistence', () => {
  it('keeps a finished run visible after the server is killed and started again on the same database', async () => {
    const dir = tempDir('persist');
    const port = await freePort();
    const dbFile = path.join(dir, 'temporal.db');
    const backend = await startRevisionServer({ revision: 'b-1', kind: 'backend' });
    const dashboard = await startRevisionServer({ revision: 'd-1', kind: 'dashboard' });
    let server = await startDevServer({ port, dbFile });
    const workflowId = `persist-${Date.now()}`;
    try {
      const nc = await NativeConnection.connect({ address: server.address });
      const config = emptyWorkerConfig();
      const request = registerHealth(config, { environment: 'persist', health: { backendUrl: backend.url, dashboardUrl: dashboard.url, timeoutMs: 2000, attempts: 1 } });
      const worker = await Worker.create({ connection: nc, taskQueue: TASK_QUEUE, workflowBundle: await workflowBundle(), activities: createActivities({ dataDir: dir, config }) });
      const conn = await Connection.connect({ address: server.address });
      const client = new Client({ connection: conn });
      await worker.runUntil(client.workflow.execute(healthDrill, { args: [request], workflowId, taskQueue: TASK_QUEUE }));
      await conn.close();
      await nc.close();

      server.process.kill('SIGKILL');
      await new Promise((r) => server.process.once('exit', r));
      server = await startDevServer({ port, dbFile });

      const conn2 = await Connection.connect({ address: server.address });
      const handle = new Client({ connection: conn2 }).workflow.getHandle(workflowId);
      const description = await handle.describe();
      assert.equal(description.status.name, 'COMPLETED');
      const result = (await handle.result()) as { verdict: string };
      assert.equal(result.verdict, 'PASS');
      const history = await handle.fetchHistory();
      assert.ok((history.events?.length ?? 0) > 5);
      await conn2.close();
    } finally {
      await server.stop();
      await backend.stop();
      await dashboard.stop();
    }
  });
});
