import fs from 'node:fs';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../../../src/sandbox/sandbox';
import { runDrillctl, type CliRun } from '../drillctl';
import { startWorkerProcess, tempDir, type WorkerProcess } from '../worker';
import { startPostgres, type RunningPostgres } from './postgres';
import { prepareNamespace, setUpSchema, startTemporalServer, type RunningTemporalServer } from './temporal-server';
import { clusterTools, type ClusterTools } from './tools';

/**
 * docker-compose.yml's topology without Docker: PostgreSQL, the Temporal server on it with SQL
 * visibility, drillctl's workers as separate processes, and the sandbox standing in for production.
 */
export interface Cluster {
  tools: ClusterTools;
  address: string;
  namespace: string;
  postgres: RunningPostgres;
  server: RunningTemporalServer;
  sandbox: Sandbox;
  workers: WorkerProcess[];
  /** Starts one more worker process on the cluster and waits until it polls. */
  addWorker(): Promise<WorkerProcess>;
  /** `drillctl --config <sandbox config> ...args` as a subprocess, against the cluster. */
  drillctl(args: string[], env?: NodeJS.ProcessEnv): Promise<CliRun>;
  /** Where the server, PostgreSQL and the workers keep their files and logs. */
  dir: string;
  stop(): Promise<void>;
}

export async function startCluster(opts: { workers: number; namespace?: string }): Promise<Cluster> {
  const tools = clusterTools();
  const dir = tempDir('cluster');
  // PostgreSQL runs as its own user and must reach its folder inside this one.
  fs.chmodSync(dir, 0o755);
  const namespace = opts.namespace ?? 'default';
  const stops: (() => Promise<void>)[] = [];
  // Everything started so far is stopped, newest first, whatever failed; each stop runs even if another threw.
  const stopAll = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (const stop of stops.splice(0).reverse()) await stop().catch((err: unknown) => errors.push(err));
    if (errors.length) throw new Error(`stopping the cluster: ${errors.map((e) => (e as Error).message).join('; ')}`);
  };
  try {
    const postgres = await startPostgres({ binDir: tools.postgresBinDir, dir: path.join(dir, 'postgresql') });
    stops.push(() => postgres.stop());
    await setUpSchema(tools, postgres);
    const server = await startTemporalServer(tools, postgres, dir);
    stops.push(() => server.stop());
    await prepareNamespace(server.address, namespace);
    const sandbox = await startSandbox({ dataDir: path.join(dir, 'sandbox') });
    stops.push(() => sandbox.stop());
    const home = tempDir('cluster-cli-home');
    const env = { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: namespace };
    const workers: WorkerProcess[] = [];
    stops.push(async () => {
      for (const w of workers.splice(0)) {
        // A worker finishes its current tasks on SIGTERM (shutdownGraceTime); one that hangs is killed.
        const hung = setTimeout(() => w.child.kill('SIGKILL'), 20_000);
        await w.kill('SIGTERM');
        clearTimeout(hung);
      }
    });
    const addWorker = async (): Promise<WorkerProcess> => {
      // Each worker has its own data folder, as it would on its own machine.
      const worker = startWorkerProcess(server.address, { ...env, DRILLCTL_CONFIG: sandbox.configPath, DRILLCTL_HOME: tempDir('cluster-worker-home') });
      workers.push(worker);
      await worker.ready;
      return worker;
    };
    for (let i = 0; i < opts.workers; i++) await addWorker();
    return {
      tools,
      address: server.address,
      namespace,
      postgres,
      server,
      sandbox,
      workers,
      addWorker,
      drillctl: (args, extra = {}) => runDrillctl(['--config', sandbox.configPath, ...args], { ...env, DRILLCTL_HOME: home, ...extra }, 240_000),
      dir,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
}
