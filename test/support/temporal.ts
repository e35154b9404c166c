import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { startDevServer, type RunningDevServer } from '../../src/temporal/dev-server';
import { freePort, freeServerPort } from './ports';

// One real dev server for the whole mocha run, started on first use and stopped by the root hook.
// Tests connect with createFromExistingServer: no 5-second start limit, no download.
let server: Promise<RunningDevServer> | undefined;
let runtimeInstalled = false;

/** Keeps the SDK's core logs (expected activity failures, replay warnings) out of test output. */
export function installTestRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  runtimeInstalled = true;
}

export async function devServer(): Promise<RunningDevServer> {
  installTestRuntime();
  server ??= startDevServerOnFreePort();
  return server;
}

/**
 * A dev server on a free port (with its Web UI on port + 1000 when asked; its history in `dbFile`
 * when given). The server picks its other ports (HTTP API, metrics, internal services) at random, so
 * another process can take one between its choice and its bind: a start that fails is retried on
 * new ports, and the last failure says what the server printed.
 */
export async function startDevServerOnFreePort(opts: { withUi?: boolean; dbFile?: string; logFile?: string } = {}): Promise<RunningDevServer> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = opts.withUi ? await freeServerPort() : await freePort();
    const logFile = opts.logFile ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'drillctl-dev-server-')), 'dev-server.log');
    // A first start that failed leaves no history worth keeping.
    if (opts.dbFile) fs.rmSync(opts.dbFile, { force: true });
    try {
      return await startDevServer({ port, ...(opts.withUi ? { uiPort: port + 1000 } : {}), ...(opts.dbFile ? { dbFile: opts.dbFile } : {}), logFile });
    } catch (err) {
      const printed = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2000) : '';
      lastError = new Error(`${(err as Error).message}\n${printed}`);
    }
  }
  throw lastError;
}

export async function testEnv(): Promise<TestWorkflowEnvironment> {
  const { address } = await devServer();
  return TestWorkflowEnvironment.createFromExistingServer({ address, namespace: 'default' });
}

export async function stopDevServer(): Promise<void> {
  if (!server) return;
  const s = await server;
  server = undefined;
  await s.stop();
}
