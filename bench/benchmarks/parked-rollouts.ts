import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { tsToMs } from '@temporalio/common/lib/time';
import { DrillClient } from '../../src/client';
import { loadRolloutPlan } from '../../src/domain/rollout/plan-context';
import { resolveTemporalTarget } from '../../src/temporal/connection';
import { trafficLockWorkflowId } from '../../src/contracts/traffic-lock';
import type { RolloutRequest } from '../../src/contracts/rollout';
import { atMost, context, median, type Benchmark } from '../harness';
import { PARKED_ENVIRONMENT, parkedPlan, startParkedSandbox, startWorkerProcess, type ParkedSandbox } from '../support/parked-rollouts';
import { stopBenchWorker } from '../support/worker';

const root = path.resolve(__dirname, '..', '..');
const EventType = temporal.api.enums.v1.EventType;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function inPool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

interface Approval {
  group: string;
  sentMs: number;
  /** Approval sent to the first UpdateService call for the group's service. */
  latencyMs: number;
}

/** Approves step `full` of every group at once and waits for each one's first traffic update (the sandbox's record of UpdateService). */
async function approveWave(client: DrillClient, sandbox: ParkedSandbox, groups: string[], resent: { count: number }): Promise<Approval[]> {
  return Promise.all(
    groups.map(async (group) => {
      const service = sandbox.service(group);
      const controls = await client.runningRollout(trafficLockWorkflowId(PARKED_ENVIRONMENT, group));
      const sentMs = Date.now();
      // Temporal refuses an Update at once while the workflow's task is failing (for example timed
      // out on a starved worker) and takes it again once a task completes: resend, and count it.
      for (let again = 0; ; again++) {
        try {
          await controls.approve({ step: 'full', approver: 'alice', reason: 'bench: parked rollout approved' });
          break;
        } catch (err) {
          if (!/Workflow Task in failed state/i.test(String(err)) || Date.now() - sentMs > 120_000) throw err;
          if (again === 0) resent.count++;
          await sleep(500);
        }
      }
      for (const deadline = sentMs + 300_000; Date.now() < deadline; await sleep(20)) {
        const update = sandbox.cloudRun.calls({ method: 'UpdateService', service }).find((c) => c.atMs >= sentMs);
        if (update) return { group, sentMs, latencyMs: update.atMs - sentMs };
      }
      throw new Error(`${group}: no traffic update within 300 s of the approval`);
    }),
  );
}

interface FirstTask {
  /** Events in the history before the task that took the approval: what a cold worker replays. */
  eventsBefore: number;
  /** WorkflowTaskStarted to WorkflowTaskCompleted of that task (server clock). */
  taskMs: number;
}

/** The first workflow task that started after the approval was sent. */
async function firstTaskAfter(client: DrillClient, a: Approval): Promise<FirstTask> {
  const history = await client.temporal.workflow.getHandle(trafficLockWorkflowId(PARKED_ENVIRONMENT, a.group)).fetchHistory();
  const events = history.events ?? [];
  const started = events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED && tsToMs(e.eventTime) >= a.sentMs - 5);
  const completed = started && events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED && Number(e.eventId) > Number(started.eventId));
  if (!started || !completed) throw new Error(`${a.group}: no workflow task after the approval`);
  return { eventsBefore: Number(started.eventId) - 1, taskMs: tsToMs(completed.eventTime) - tsToMs(started.eventTime) };
}

/**
 * Rollouts parked at an approval on one worker (its own process, default options and cache): its
 * RSS, and how long an approval takes to reach Cloud Run when the workflow is cached and when the
 * worker has lost it (a restarted worker: every workflow replays its history).
 */
export const parkedRollouts: Benchmark = {
  name: 'parked-rollouts',
  description: 'Rollouts parked at an approval on one worker: worker RSS, approval-to-first-traffic-update latency cached vs evicted, replay cost per history event',
  async run(ctx) {
    // PARKED_ROLLOUTS=N sets another count (development on a shared machine); the figure is 500.
    const count = Number(process.env.PARKED_ROLLOUTS) || (ctx.quick ? 6 : 500);
    const wave = ctx.quick ? 3 : 50;
    /** Approvals sent again because the workflow task was failing when the first arrived. */
    const resent = { count: 0 };
    const bake = ctx.quick ? '1s' : '2s';
    // This benchmark brings its own worker process on the same task queue: the shared in-process one must not take its tasks.
    await stopBenchWorker();
    const dir = fs.mkdtempSync(path.join(ctx.tmpDir, 'parked-'));
    const sandbox = await startParkedSandbox(dir, count + wave);
    let worker = await startWorkerProcess(root, ctx.temporalAddress, sandbox.configPath, path.join(dir, 'home'));
    const client = await DrillClient.connect(resolveTemporalTarget({ address: ctx.temporalAddress, namespace: 'default' }), sandbox.config);
    /** Starts a rollout on each group (25 at a time) and waits until each waits for step full's approval, step canary complete. */
    const park = async (groups: string[]): Promise<void> => {
      await inPool(groups, 25, async (group) => {
        const { plan } = loadRolloutPlan(parkedPlan(group, bake), 'bench plan', sandbox.config);
        const request: RolloutRequest = { environment: PARKED_ENVIRONMENT, group, initiator: 'carol', plan };
        await client.startRollout(request);
      });
      let waiting = [...groups];
      for (const deadline = Date.now() + 1_800_000; waiting.length; await sleep(2000)) {
        if (Date.now() > deadline) throw new Error(`${waiting.length} rollouts did not park within 30 minutes`);
        const done = await inPool(waiting, 20, async (group) => {
          // A busy worker may not answer a query in time (the server gives up): ask again next round.
          const s = await (await client.runningRollout(trafficLockWorkflowId(PARKED_ENVIRONMENT, group))).status().catch(() => undefined);
          if (!s) return false;
          if (s.phase === 'aborted' || s.phase === 'completed') throw new Error(`${group}: the rollout ended (${s.phase}) before its approval`);
          return s.phase === 'awaiting-approval' && s.currentStep === 'full';
        });
        waiting = waiting.filter((_, i) => !done[i]);
      }
    };
    try {
      const parked = sandbox.groups.slice(0, count);
      const t0 = Date.now();
      await park(parked);
      const parkSeconds = (Date.now() - t0) / 1000;
      ctx.log(`${count} rollouts parked in ${parkSeconds.toFixed(0)} s`);
      await sleep(3000);
      const rss = worker.rssMiB();
      // Evicted: a new worker process holds none of them and replays each history on its approval.
      // It first parks a batch of its own (warming it up as a long-running worker would be), the cached side.
      await worker.stop();
      worker = await startWorkerProcess(root, ctx.temporalAddress, sandbox.configPath, path.join(dir, 'home'));
      const fresh = sandbox.groups.slice(count);
      await park(fresh);
      const warm = await approveWave(client, sandbox, fresh, resent);
      ctx.log(`cached: ${warm.length} approvals at once: p99 ${percentile(warm.map((a) => a.latencyMs), 99)} ms`);
      const cold: Approval[] = [];
      for (let i = 0; i < parked.length; i += wave) cold.push(...(await approveWave(client, sandbox, parked.slice(i, i + wave), resent)));
      ctx.log(`evicted: ${cold.length} approvals in waves of ${wave}: p99 ${percentile(cold.map((a) => a.latencyMs), 99)} ms`);
      await inPool(sandbox.groups, 20, (group) => client.temporal.workflow.getHandle(trafficLockWorkflowId(PARKED_ENVIRONMENT, group)).result());
      const warmTasks = await inPool(warm, 10, (a) => firstTaskAfter(client, a));
      const coldTasks = await inPool(cold, 10, (a) => firstTaskAfter(client, a));
      const warmTaskMs = median(warmTasks.map((t) => t.taskMs));
      const perEvent = median(coldTasks.map((t) => Math.max(0, t.taskMs - warmTaskMs) / t.eventsBefore));
      const lat = (xs: Approval[], p: number): number => percentile(xs.map((a) => a.latencyMs), p);
      return {
        benchmark: this.name,
        description: this.description,
        figures: [
          atMost(`worker RSS with ${count} parked rollouts`, rss.now, 'MiB', 1024),
          context('worker peak RSS while they parked', rss.peak, 'MiB'),
          context('history events per parked rollout, median', median(coldTasks.map((t) => t.eventsBefore)), 'events'),
          context('cached: approval to first traffic update, p50', lat(warm, 50), 'ms'),
          context('cached: approval to first traffic update, p99', lat(warm, 99), 'ms'),
          context('evicted: approval to first traffic update, p50', lat(cold, 50), 'ms'),
          context('evicted: approval to first traffic update, p99', lat(cold, 99), 'ms'),
          atMost('evicted p99 / cached p99', lat(cold, 99) / lat(warm, 99), 'x', 3),
          context('workflow task taking the approval, cached, median', warmTaskMs, 'ms'),
          context('workflow task taking the approval, evicted (replay), median', median(coldTasks.map((t) => t.taskMs)), 'ms'),
          context('replay cost per history event', perEvent, 'ms'),
          context(`time to park ${count} rollouts`, parkSeconds, 's'),
          context('approvals sent again (workflow task failing when the first arrived)', resent.count, 'approvals'),
        ],
        notes: [
          `${count} rollouts on distinct sandbox groups (one Cloud Run service each, stable pinned at 100 %, a Ready candidate beside it), started 25 at a time through DrillClient; each runs step canary (10 %: health gate as a child drill, traffic shift, ${bake} bake with analysis every 1 s: a service probe and a metric) and parks at step full's approval. The worker is lib/worker.js in its own process with default options (cache included); RSS is read from /proc after they all parked.`,
          `Then the worker process is stopped and a new one started, which holds none of them (evicted), and parks ${warm.length} rollouts of its own on further groups (cached). Cached: those ${warm.length} approved at once. Evicted: the ${cold.length} first ones approved in waves of ${wave} (each wave at once, the next when every traffic update of the last arrived), so both sides see the same concurrency on the same warmed-up worker. Latency: approval Update sent to the sandbox's record of the service's UpdateService call.`,
          'Replay cost per history event: the workflow task that took the approval (WorkflowTaskStarted to Completed, server clock), evicted minus the cached median, divided by the events before it (what the new worker replayed).',
        ],
      };
    } finally {
      await client.close();
      await worker.stop();
      await sandbox.stop();
    }
  },
};
