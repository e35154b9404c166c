import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { startDevServer, type RunningDevServer } from '../../src/temporal/dev-server';
import { freePort } from './ports';

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
  server ??= freePort().then((port) => startDevServer({ port }));
  return server;
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
