import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { Connection } from '@temporalio/client';
import { temporalCliPath } from './binaries';
import { searchAttributeFlags } from './search-attributes';

export interface DevServerOptions {
  /** SQLite file that keeps history across restarts; omit for an in-memory server (tests). */
  dbFile?: string;
  ip?: string;
  port: number;
  /** Web UI port; omit for a headless server. */
  uiPort?: number;
  namespace?: string;
  /** Append the server's output here; otherwise it is discarded. */
  logFile?: string;
  /** Leave the server running after this process exits (`drillctl up`). */
  detached?: boolean;
}

export interface RunningDevServer {
  address: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function devServerArgs(opts: DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', opts.ip ?? '127.0.0.1', '--port', String(opts.port),
    '--namespace', opts.namespace ?? 'default', '--log-level', 'warn', ...searchAttributeFlags(),
    // Newly registered attributes must be visible to the first start that uses them.
    '--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=true',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    // Activities a workflow task schedules come back in its completion response when the worker
    // has a free slot, instead of a round trip through matching (bench: orchestration-overhead).
    '--dynamic-config-value', 'system.enableActivityEagerExecution=true'];
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  else args.push('--headless');
  return args;
}

export async function startDevServer(opts: DevServerOptions): Promise<RunningDevServer> {
  const bin = temporalCliPath();
  const out = opts.logFile ? fs.openSync(opts.logFile, 'a') : 'ignore';
  const child = spawn(bin, devServerArgs(opts), {
    stdio: ['ignore', out, out],
    detached: opts.detached ?? false,
  });
  if (typeof out === 'number') fs.closeSync(out);
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`could not start the Temporal dev server (${bin}): ${err.message}. Run \`npm run setup\` or set TEMPORAL_CLI.`)));
    child.once('exit', (code) => reject(new Error(`the Temporal dev server exited with code ${code} before it was ready${opts.logFile ? `; see ${opts.logFile}` : ''}`)));
  });
  const address = `${opts.ip ?? '127.0.0.1'}:${opts.port}`;
  try {
    await Promise.race([waitForServer(address, opts.namespace ?? 'default', 60_000), exited]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  exited.catch(() => undefined);
  if (opts.detached) child.unref();
  return {
    address,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** Resolves once the frontend answers and the namespace exists; rejects after timeoutMs. */
export async function waitForServer(address: string, namespace: string, timeoutMs: number): Promise<void> {
  const { Connection } = await import('@temporalio/client');
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.describeNamespace({ namespace });
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await connection?.close().catch(() => undefined);
    }
  }
  throw new Error(`Temporal at ${address} was not ready within ${timeoutMs} ms: ${(lastError as Error)?.message ?? 'no answer'}`);
}
