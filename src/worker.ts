import path from 'node:path';
import { Worker, Runtime, DefaultLogger, type WorkerInterceptors } from '@temporalio/worker';
import { createActivities } from './activities';
import { locateConfigFile, readConfigFile } from './config-file';
import type { Config } from './domain/config/schema';
import { connectWorkerConnection, resolveTemporalTarget } from './temporal/connection';
import { TASK_QUEUE } from './temporal/task-queue';

/** Concurrent activities per worker; each drill service holds at most two at once (change + probe). */
export const ACTIVITY_SLOTS = 1000;

export interface WorkerOptions {
  address?: string;
  namespace?: string;
  dataDir: string;
  /** The worker's configuration (see ActivityDeps.config). */
  config: Config;
  taskQueue?: string;
  /** Extra interceptors (the benchmark's activity timing); none in production. */
  interceptors?: WorkerInterceptors;
}

/** Builds the worker: every workflow (bundled from ./workflows) and every activity on one task queue. */
export async function createWorker(opts: WorkerOptions): Promise<Worker> {
  const target = resolveTemporalTarget({ address: opts.address, namespace: opts.namespace });
  const connection = await connectWorkerConnection(target);
  return Worker.create({
    connection,
    namespace: target.namespace,
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    workflowsPath: require.resolve('./workflows'),
    activities: createActivities({ dataDir: opts.dataDir, config: opts.config }),
    // Drill activities mostly wait (probes between requests, traffic changes on Cloud Run
    // operations): the SDK's default of 100 slots made probes of 50 concurrent rollback drills queue
    // behind the traffic shifts, which inflated their RTO (bench: concurrency).
    maxConcurrentActivityTaskExecutions: ACTIVITY_SLOTS,
    // Compensations and drills may run for a while after a shutdown signal; let them finish a step.
    shutdownGraceTime: '10s',
    ...(opts.interceptors ? { interceptors: opts.interceptors } : {}),
  });
}

export function installQuietRuntime(): void {
  Runtime.install({ logger: new DefaultLogger((process.env.DRILLCTL_LOG_LEVEL as 'WARN') ?? 'WARN') });
}

export type RunWorkerOptions = Omit<WorkerOptions, 'config'> & {
  /** Config file; default: $DRILLCTL_CONFIG, ./drillctl.yaml, then the sandbox's (see config-file.ts). */
  configFile?: string;
};

/**
 * Entry point when run directly (tests spawn it as a child process, `drillctl worker` calls runWorker).
 * The config is read once, at start: an invalid one stops the worker before it polls.
 */
export async function runWorker(opts: RunWorkerOptions): Promise<void> {
  const configFile = locateConfigFile(opts.configFile, opts.dataDir);
  const config = readConfigFile(configFile);
  installQuietRuntime();
  const worker = await createWorker({ ...opts, config });
  process.stderr.write(`worker config ${configFile}\nworker polling task queue ${opts.taskQueue ?? TASK_QUEUE}\n`);
  await worker.run();
}

if (require.main === module) {
  runWorker({ dataDir: process.env.DRILLCTL_HOME ?? path.resolve('.drillctl'), taskQueue: process.env.DRILLCTL_TASK_QUEUE }).catch((err) => {
    process.stderr.write(`worker failed: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
