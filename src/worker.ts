import path from 'node:path';
import { Worker, type WorkerInterceptors } from '@temporalio/worker';
import { createActivities } from './activities';
import { locateConfigFile, readConfigFile } from './config-file';
import type { Config } from './domain/config/schema';
import { connectWorkerConnection, resolveTemporalTarget } from './temporal/connection';
import { TASK_QUEUE } from './temporal/task-queue';
import { installRuntime, telemetryFromEnv, type TelemetryOptions } from './temporal/telemetry';
import { startWorkerTracing, tracingFromEnv, type WorkerTracing } from './temporal/tracing';

/** Concurrent activities per worker; each drill service holds at most two at once (change + probe). */
export const ACTIVITY_SLOTS = 1000;

export interface WorkerOptions {
  address?: string;
  namespace?: string;
  dataDir: string;
  /** The worker's configuration: the authority for everything its workflows run with (see ActivityDeps.config). */
  config: Config;
  taskQueue?: string;
  /** Extra interceptors (the benchmark's activity timing); none in production. */
  interceptors?: WorkerInterceptors;
  /** OpenTelemetry tracing (src/temporal/tracing.ts); off when absent. */
  tracing?: WorkerTracing;
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
    interceptors: {
      ...opts.interceptors,
      activity: [...(opts.tracing?.interceptors.activity ?? []), ...(opts.interceptors?.activity ?? [])],
      // Drill outcome metrics (src/workflows/interceptors.ts); they cost nothing without a metrics endpoint.
      workflowModules: [require.resolve('./workflows/interceptors'), ...(opts.tracing?.interceptors.workflowModules ?? []), ...(opts.interceptors?.workflowModules ?? [])],
    },
    ...(opts.tracing ? { sinks: opts.tracing.sinks } : {}),
  });
}

export type RunWorkerOptions = Omit<WorkerOptions, 'config'> & {
  /** Config file; default: $DRILLCTL_CONFIG, ./drillctl.yaml, then the sandbox's (see config-file.ts). */
  configFile?: string;
  telemetry?: TelemetryOptions;
};

/**
 * Entry point when run directly (tests spawn it as a child process, `drillctl worker` calls runWorker).
 * The config is read once, at start: an invalid one stops the worker before it polls.
 */
export async function runWorker(opts: RunWorkerOptions): Promise<void> {
  const configFile = locateConfigFile(opts.configFile, opts.dataDir);
  const config = readConfigFile(configFile);
  const telemetry = opts.telemetry ?? telemetryFromEnv();
  installRuntime(telemetry);
  const tracingOptions = tracingFromEnv();
  const tracing = opts.tracing ?? (tracingOptions ? startWorkerTracing(tracingOptions) : undefined);
  const worker = await createWorker({ ...opts, config, tracing });
  process.stderr.write(`worker config ${configFile}\n`);
  if (telemetry.metricsAddress) process.stderr.write(`worker metrics on http://${telemetry.metricsAddress}/metrics\n`);
  if (tracing) process.stderr.write('worker traces to the OTLP endpoint in OTEL_EXPORTER_OTLP_*\n');
  process.stderr.write(`worker polling task queue ${opts.taskQueue ?? TASK_QUEUE}\n`);
  try {
    await worker.run();
  } finally {
    await tracing?.shutdown();
  }
}

if (require.main === module) {
  runWorker({ dataDir: process.env.DRILLCTL_HOME ?? path.resolve('.drillctl'), taskQueue: process.env.DRILLCTL_TASK_QUEUE }).catch((err) => {
    process.stderr.write(`worker failed: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
