import { MockActivityEnvironment } from '@temporalio/testing';
import { tsToMs } from '@temporalio/common/lib/time';
import { createActivities } from '../../src/activities';
import type { ServingProbeResult } from '../../src/activities/traffic';
import { planRollback, servingProbeRequest, type ServiceRollbackPlan } from '../../src/domain/traffic/rollback-plan';
import { resolveRollbackTargets, type DrillService } from '../../src/domain/traffic/rollback-targets';
import type { RevisionIdentity } from '../../src/domain/traffic/revision-identity';
import type { RollbackDrillInput, RollbackDrillResult } from '../../src/contracts/rollback';
import { trafficLockWorkflowId } from '../../src/contracts/traffic-lock';
import type { BenchContext } from '../harness';
import { startSandboxProcess, type SandboxProcess } from './cloud-run-process';
import { benchConfig, type BenchWorker } from './worker';
import { registerRollback } from '../../test/support/worker-config';

/** The sandbox's own rollback settings (drillctl sandbox writes these into its config). */
export const PROBE_INTERVAL_MS = 250;
export const ENVIRONMENT = 'bench';

/** A Cloud Run sandbox with `groups` seed groups (convex, convex-1, ...), in its own process. */
export function rollbackSandbox(groups: number): Promise<SandboxProcess> {
  return startSandboxProcess(groups);
}

/** The applied drill's input for one sandbox group, as `drillctl drill rollback --apply` builds it from the sandbox config. */
export function applyInput(sandbox: SandboxProcess, group: string, identity: (role: string) => RevisionIdentity = () => ({ header: 'x-serving-revision' })): RollbackDrillInput {
  return {
    environment: ENVIRONMENT,
    group,
    production: false,
    mode: 'apply',
    cloudRun: { project: sandbox.project, region: sandbox.region, apiEndpoint: sandbox.grpcAddress, sandbox: true },
    services: sandbox.group(group).services.map((s) => ({ role: s.role, service: s.service, probe: { path: '/', identity: identity(s.role) } })),
    rollback: { rtoTargetSeconds: 300, probeIntervalMs: PROBE_INTERVAL_MS, consecutiveHealthy: 3, switchTimeoutSeconds: 120, holdSeconds: 0 },
    targets: {},
    requestedBy: 'bench',
    approvers: [],
  };
}

export interface TemporalRun {
  result: RollbackDrillResult;
  wallMs: number;
  workflowId: string;
  runId: string;
  /** Epoch ms when the client started it. */
  startedAtMs: number;
}

/** The applied rollback drill through Temporal, under the group's traffic lock id, as `drillctl drill rollback --apply` starts it. */
export async function rollbackViaTemporal(w: BenchWorker, input: RollbackDrillInput): Promise<TemporalRun> {
  const startedAtMs = Date.now();
  const t0 = performance.now();
  const handle = await w.client.workflow.start('rollbackDrill', { taskQueue: w.taskQueue, workflowId: trafficLockWorkflowId(input.environment, input.group), args: [registerRollback(benchConfig, input)] });
  const result = (await handle.result()) as RollbackDrillResult;
  if (result.verdict !== 'PASS') throw new Error(`rollback drill on ${input.group}: ${result.verdict} (${result.reasons.join('; ')})`);
  return { result, wallMs: performance.now() - t0, workflowId: handle.workflowId, runId: handle.firstExecutionRunId, startedAtMs };
}

/**
 * The same adapter calls the drill makes, in the same order and concurrency, made directly in this
 * process (each activity function in the SDK's activity context, no worker, no server): the floor
 * the Temporal run is compared with.
 */
export async function rollbackDirect(ctx: BenchContext, input: RollbackDrillInput): Promise<number> {
  const acts = direct(ctx);
  const run = <A extends unknown[], R>(fn: (...a: A) => Promise<R>, ...args: A): Promise<R> => new MockActivityEnvironment().run(fn, ...args);
  const cfg = input.rollback;
  const t0 = performance.now();
  const described: DrillService[] = await Promise.all(
    input.services.map(async (s) => {
      const d = await run(acts.describeCloudRunService, { cloudRun: input.cloudRun, service: s.service });
      return { role: s.role, service: s.service, snapshot: d.snapshot, revisions: d.revisions };
    }),
  );
  const plans = planRollback(resolveRollbackTargets(input.group, described, input.targets), described, Object.fromEntries(input.services.map((s) => [s.role, s.probe])));
  const probe = (p: ServiceRollbackPlan, expected: string[]): Promise<ServingProbeResult> =>
    run(acts.probeServingRevision, servingProbeRequest(p, cfg, expected, Date.now() + cfg.switchTimeoutSeconds * 1000));
  const settleTimeoutMs = cfg.switchTimeoutSeconds * 1000;
  const probes: Promise<ServingProbeResult>[] = [];
  const shifts = plans.map((p) => {
    const shift = run(acts.shiftTraffic, { cloudRun: input.cloudRun, service: p.service, from: p.original, to: p.rollbackAllocation, settleTimeoutMs });
    probes.push((p.probeAlongsideChange ? Promise.resolve() : shift).then(() => probe(p, [p.target])));
    return shift;
  });
  await Promise.all(shifts);
  await Promise.all(probes);
  const restoreProbes = plans.filter((p) => p.probeAlongsideChange).map((p) => probe(p, p.restoreRevisions));
  await Promise.all(plans.map((p) => run(acts.restoreTraffic, { cloudRun: input.cloudRun, service: p.service, allocation: p.original, settleTimeoutMs })));
  restoreProbes.push(...plans.filter((p) => !p.probeAlongsideChange).map((p) => probe(p, p.restoreRevisions)));
  await Promise.all(restoreProbes);
  return performance.now() - t0;
}

let directActivities: ReturnType<typeof createActivities> | undefined;
function direct(ctx: BenchContext): ReturnType<typeof createActivities> {
  directActivities ??= createActivities({ dataDir: ctx.tmpDir, config: { environments: {} } });
  return directActivities;
}

/**
 * How far the drill's RTO is from the truth: the drill's RTO minus the RTO the sandbox routers
 * recorded (the instant the last service really switched to its target, after the shift started).
 */
export async function rtoErrorMs(sandbox: SandboxProcess, result: RollbackDrillResult): Promise<number> {
  const shiftStartedMs = Date.parse(result.shiftStartedAt!);
  const switchedMs = await Promise.all(result.services.map(async (s) => {
    const rec = (await sandbox.switches(s.service)).find((r) => r.atMs >= shiftStartedMs && r.routing.weights[0]?.revision === s.target);
    if (!rec) throw new Error(`the router of ${s.service} recorded no switch to ${s.target} after ${result.shiftStartedAt}`);
    return rec.atMs;
  }));
  return result.rtoSeconds! * 1000 - (Math.max(...switchedMs) - shiftStartedMs);
}

/**
 * Temporal's share of each activity of a run: from the ActivityTaskScheduled event to the
 * ActivityTaskCompleted event (server clock), minus the time the activity's own function ran
 * (worker clock, same machine).
 */
export async function activityOverheadsMs(w: BenchWorker, run: TemporalRun): Promise<number[]> {
  const history = await w.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
  const timings = w.timings(run.workflowId).filter((t) => t.startedMs >= run.startedAtMs);
  const scheduled = new Map<string, { activityId: string; atMs: number }>();
  const out: number[] = [];
  for (const e of history.events ?? []) {
    const atMs = tsToMs(e.eventTime);
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(e.eventId), { activityId: s.activityId ?? '', atMs });
    const c = e.activityTaskCompletedEventAttributes;
    if (c) {
      const sch = scheduled.get(String(c.scheduledEventId));
      const own = sch && timings.findLast((t) => t.activityId === sch.activityId);
      if (sch && own) out.push(atMs - sch.atMs - (own.endedMs - own.startedMs));
    }
  }
  return out;
}
