import type { Config } from '../../src/domain/config/schema';
import type { Client } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next, Worker } from '@temporalio/worker';
import { createWorker } from '../../src/worker';
import { connectClient, resolveTemporalTarget } from '../../src/temporal/connection';
import { TASK_QUEUE } from '../../src/temporal/task-queue';
import type { BenchContext } from '../harness';

/** How long one activity's own function ran, as the worker saw it (epoch ms). */
export interface ActivityTiming {
  workflowId: string;
  activityId: string;
  activityType: string;
  startedMs: number;
  endedMs: number;
}

export interface BenchWorker {
  client: Client;
  taskQueue: string;
  /** Timings of every activity that ran for `workflowId` (in-function time, without Temporal's share). */
  timings(workflowId: string): ActivityTiming[];
}

const timings: ActivityTiming[] = [];

class TimingInterceptor implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const info = Context.current().info;
    const startedMs = performance.timeOrigin + performance.now();
    try {
      return await next(input);
    } finally {
      timings.push({
        workflowId: info.workflowExecution?.workflowId ?? '',
        activityId: info.activityId,
        activityType: info.activityType,
        startedMs,
        endedMs: performance.timeOrigin + performance.now(),
      });
    }
  }
}

/**
 * The shared worker's config: each benchmark registers the environments it starts (its sandboxes
 * listen on fresh ports), and the worker's activities read them by reference.
 */
export const benchConfig: Config = { environments: {} };

let shared: Promise<{ bench: BenchWorker; worker: Worker; running: Promise<void> }> | undefined;

/**
 * The product's worker (src/worker.ts: every workflow and activity, default options), started once
 * per bench run on the embedded dev server and shared by every benchmark, plus a client. An activity
 * interceptor records each activity's in-function time, so Temporal's share can be told apart.
 */
export function benchWorker(ctx: BenchContext): Promise<BenchWorker> {
  shared ??= (async () => {
    const worker = await createWorker({
      address: ctx.temporalAddress,
      namespace: 'default',
      dataDir: ctx.tmpDir,
      config: benchConfig,
      interceptors: { activity: [() => ({ inbound: new TimingInterceptor() })] },
    });
    const running = worker.run();
    const client = await connectClient(resolveTemporalTarget({ address: ctx.temporalAddress, namespace: 'default' }));
    return {
      worker,
      running,
      bench: { client, taskQueue: TASK_QUEUE, timings: (id) => timings.filter((t) => t.workflowId === id) },
    };
  })();
  return shared.then((s) => s.bench);
}

/** Stops the shared worker, if a benchmark started one. */
export async function stopBenchWorker(): Promise<void> {
  if (!shared) return;
  const s = await shared;
  s.worker.shutdown();
  await s.running;
  await s.bench.client.connection.close();
  shared = undefined;
}
