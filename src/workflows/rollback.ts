import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { fromWorkerConfig, settings } from './worker-settings';
import { trafficActivityOptions } from './plumbing/activity-options';
import { TRAFFIC_CHANGE_NON_RETRYABLE } from './plumbing/failure-lists';
import { compensateAndFail, restoreAndMeasure, type AppliedDrill } from './rollback-finish';
import { RollbackRestore, serviceTable } from './rollback-restore';
import type { ServingProbeResult } from '../activities/traffic/probe-serving-revision';
import { productionGuardProblem } from '../domain/traffic/production-guard';
import { planRollback, servingProbeRequest, type ServiceRollbackPlan } from '../domain/traffic/rollback-plan';
import { resolveRollbackTargets, RollbackTargetError, type DrillService } from '../domain/traffic/rollback-targets';
import { trafficSettled } from '../domain/traffic/service-state';
import { rtoMeasurement } from '../domain/traffic/rto-measurement';
import { secondsBetween } from '../domain/traffic/verdict';
import { DrillEnvironment, DrillKind, DrillOutcome, DrillServiceGroup, DrillStep } from '../temporal/search-attributes';
import { holdsTrafficLock, trafficLockWorkflowId } from '../contracts/traffic-lock';
import {
  rollbackProgressQuery,
  type RollbackDrillRequest,
  type RollbackDrillInput,
  type RollbackDrillResult,
  type RollbackPhase,
  type RollbackProgress,
  type RollbackResultBase,
  type RollbackServiceResult,
} from '../contracts/rollback';

/**
 * Marks a promise as handled as soon as it exists: a probe may fail before the workflow awaits it,
 * and an unhandled rejection would fail the workflow task. Awaiting it still sees the rejection.
 */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/**
 * The rollback drill on one service group: resolve every
 * service's current allocation and its rollback target, print the plan (dry run, the default), or
 * apply: shift every service to its target, measure RTO on the data plane, restore the exact
 * original allocation and measure that too. The restore is registered before the first change,
 * runs in a non-cancellable scope and is retried until it succeeds, so a failed or cancelled drill
 * still ends with the original traffic.
 */
export async function rollbackDrill(request: RollbackDrillRequest): Promise<RollbackDrillResult> {
  // Progress is answered from the start, also while the worker resolves the settings.
  const progress: RollbackProgress = { phase: 'resolving', services: [], restoreFailures: 0 };
  setHandler(rollbackProgressQuery, () => progress);
  const input = await fromWorkerConfig<RollbackDrillInput>(request, () => settings.resolveRollbackDrill(request));
  const { workflowId } = workflowInfo();
  const cfg = input.rollback;
  const startedAtMs = Date.now();

  const step = (phase: RollbackPhase, details: string): void => {
    progress.phase = phase;
    upsertSearchAttributes([{ key: DrillStep, value: phase }]);
    setCurrentDetails(details);
  };
  upsertSearchAttributes([
    { key: DrillKind, value: 'rollback' },
    { key: DrillEnvironment, value: input.environment },
    { key: DrillServiceGroup, value: input.group },
  ]);

  const { read: readOptions, change: changeOptions, probe: probeOptions } = trafficActivityOptions(cfg, TRAFFIC_CHANGE_NON_RETRYABLE, 5);
  const acts = proxyActivities<Activities>(readOptions);
  // `allocation` is what Cloud Run must report in force first when answers cannot name a revision.
  const probe = (p: ServiceRollbackPlan, expected: string[], deadlineMs: number, what: string, allocation: ServiceRollbackPlan['original'], others: string[], waitForCancel = false): Promise<ServingProbeResult> =>
    handled(
      acts.probeServingRevision.executeWithOptions({ ...probeOptions, ...(waitForCancel ? { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED } : {}), summary: `${what}: wait for ${cfg.consecutiveHealthy} answers from ${expected.join(' or ')} at ${p.probe.url}` }, [
        servingProbeRequest(p, cfg, expected, deadlineMs, { cloudRun: input.cloudRun, allocation, otherRevisions: others.filter((r) => !expected.includes(r)) }),
      ]),
    );

  const applied = (restore: RollbackRestore, plans: ServiceRollbackPlan[], results: RollbackServiceResult[], base: RollbackResultBase, shiftStartedAtMs: number): AppliedDrill => ({
    request,
    rtoTargetSeconds: cfg.rtoTargetSeconds,
    plans,
    results,
    base,
    progress,
    restore,
    acts,
    step,
    probeRestore: (p, deadlineMs, waitForCancel) => probe(p, p.restoreRevisions, deadlineMs, `restore of ${p.service}`, p.original, [p.target], waitForCancel),
    switchTimeoutMs: cfg.switchTimeoutSeconds * 1000,
    shiftStartedAtMs,
  });

  // A run that took over a restore that kept failing finishes it before anything else, whatever
  // changed meanwhile: the guard and the lock were checked by the first run.
  const carried = request.carried;
  if (carried) {
    progress.services = carried.plans.map((p) => ({ service: p.service, current: p.current, target: p.target, state: '' }));
    const restore = new RollbackRestore(input, carried.plans, carried.services, progress, acts, changeOptions, carried, request.continueAsNewAfterEvents);
    const drill = applied(restore, carried.plans, carried.services, carried.base, carried.shiftStartedAtMs);
    if (carried.purpose === 'compensate') return compensateAndFail(drill, undefined, carried.failure);
    return restoreAndMeasure(drill, carried.rtoSeconds ?? 0, false, carried.restoreStartedAtMs);
  }

  const guard = {
    production: input.production,
    requestedBy: input.requestedBy,
    confirmed: !!input.confirmation?.confirmed,
    ...(input.confirmation?.ticket ? { ticket: input.confirmation.ticket } : {}),
    ...(input.confirmation?.reason ? { reason: input.confirmation.reason } : {}),
  };
  const apply = input.mode === 'apply';
  const refused = productionGuardProblem({
    environment: input.environment,
    production: input.production,
    changesTraffic: apply,
    confirmation: input.confirmation,
    requestedBy: input.requestedBy,
    approvers: input.approvers,
  });
  if (refused) {
    upsertSearchAttributes([{ key: DrillOutcome, value: 'REFUSED' }]);
    throw ApplicationFailure.nonRetryable(`${refused}; nothing was changed`, 'ProductionGuardRefused', guard);
  }
  if (input.production && apply) log.info('production traffic change confirmed', guard);
  if (apply && !holdsTrafficLock(workflowId, input.environment, input.group)) {
    throw ApplicationFailure.nonRetryable(
      `an applied rollback drill must run under the group's traffic lock (workflow id ${trafficLockWorkflowId(input.environment, input.group)}), not ${workflowId}; start it with \`drillctl drill rollback --apply\`; nothing was changed`,
      'TrafficLockRequired',
    );
  }


  // 1. Resolve: read every service, pick targets, plan. Nothing changes here.
  step('resolving', `Reading traffic and revisions of ${input.services.map((s) => s.service).join(', ')}`);
  const described: DrillService[] = await Promise.all(
    input.services.map(async (s) => {
      const d = await acts.describeCloudRunService.executeWithOptions({ ...readOptions, summary: `read ${s.service}: traffic, status, revisions` }, [{ cloudRun: input.cloudRun, service: s.service }]);
      return { role: s.role, service: s.service, snapshot: d.snapshot, revisions: d.revisions };
    }),
  );
  let plans: ServiceRollbackPlan[];
  try {
    const targets = resolveRollbackTargets(input.group, described, input.targets);
    plans = planRollback(targets, described, Object.fromEntries(input.services.map((s) => [s.role, s.probe])));
  } catch (err) {
    if (err instanceof RollbackTargetError) {
      upsertSearchAttributes([{ key: DrillOutcome, value: 'INVALID' }]);
      throw ApplicationFailure.nonRetryable(`${err.message}; nothing was changed`, err.code, { service: err.service, hint: err.hint });
    }
    throw err;
  }
  progress.services = plans.map((p) => ({ service: p.service, current: p.current, target: p.target, state: 'planned' }));
  const serviceResults: RollbackServiceResult[] = plans.map((p) => ({
    role: p.role,
    service: p.service,
    current: p.current,
    target: p.target,
    targetReason: p.targetReason,
    originalTraffic: p.original,
    originalSummary: p.originalSummary,
    rollbackTraffic: p.rollbackAllocation,
    rollbackSummary: p.rollbackSummary,
  }));
  const base = {
    workflowId,
    environment: input.environment,
    group: input.group,
    project: input.cloudRun.project,
    region: input.cloudRun.region,
    mode: input.mode,
    rtoTargetSeconds: cfg.rtoTargetSeconds,
    guard,
    startedAt: new Date(startedAtMs).toISOString(),
  };

  if (!apply) {
    upsertSearchAttributes([{ key: DrillOutcome, value: 'PLANNED' }]);
    step('planned', `**Dry run**: nothing changed.\n\n${serviceTable(plans, (p) => p.rollbackSummary)}`);
    return {
      ...base,
      verdict: 'PLANNED',
      reasons: [],
      services: serviceResults,
      restoreFailures: 0,
      finishedAt: new Date().toISOString(),
      conclusion: { summary: 'Rollback drill planned (dry run). Nothing was changed.', causes: [], changes: [], restored: true },
    };
  }

  const unsettled = described.find((d) => !trafficSettled(d.snapshot));
  if (unsettled) {
    const s = unsettled.snapshot;
    throw ApplicationFailure.nonRetryable(
      `service ${s.service} is not settled (reconciling: ${s.reconciling}, generation ${s.generation}, observed ${s.observedGeneration}, ${s.readyDetail}); wait for its current change to finish and run the drill again; nothing was changed`,
      'ServiceNotSettled',
    );
  }

  // The compensation: every service back on its exact original allocation. Registered (restore.owe)
  // before the first mutation; retried until it succeeds, never swallowed.
  const restore = new RollbackRestore(input, plans, serviceResults, progress, acts, changeOptions, undefined, request.continueAsNewAfterEvents);
  const setState = (p: ServiceRollbackPlan, s: string): void => restore.setState(p, s);
  const table = (): string => restore.table();
  const shiftStartedAtMs = Date.now();
  const drill = applied(restore, plans, serviceResults, base, shiftStartedAtMs);

  // 2. Apply: shift every service; RTO runs from here until probes see every target serving.
  const switchDeadlineMs = shiftStartedAtMs + cfg.switchTimeoutSeconds * 1000;
  step('shifting', `Shifting traffic to the rollback targets.\n\n${table()}`);
  let rolledBack: ServingProbeResult[];
  try {
    const probeScope = new CancellationScope();
    const probes: Promise<ServingProbeResult>[] = [];
    const shifts = plans.map((p) => {
      restore.owe(p);
      setState(p, 'shifting');
      // A shift that has started must finish before the restore runs, or the two could race.
      const shift = CancellationScope.nonCancellable(() =>
        acts.shiftTraffic.executeWithOptions({ ...changeOptions, summary: `shift ${p.service} to ${p.rollbackSummary}` }, [
          { cloudRun: input.cloudRun, service: p.service, from: p.original, to: p.rollbackAllocation, settleTimeoutMs: cfg.switchTimeoutSeconds * 1000 },
        ]),
      );
      const watch = p.probeAlongsideChange ? Promise.resolve() : shift.then(() => undefined);
      probes.push(handled(watch.then(() => probeScope.run(() => probe(p, [p.target], switchDeadlineMs, `rollback of ${p.service}`, p.rollbackAllocation, p.restoreRevisions)))));
      return shift;
    });
    const settled = await Promise.allSettled(shifts);
    const failed = settled.findIndex((s) => s.status === 'rejected');
    if (failed >= 0) {
      probeScope.cancel();
      await Promise.allSettled(probes);
      throw (settled[failed] as PromiseRejectedResult).reason;
    }
    for (const p of plans) setState(p, 'switched (control plane), probing');
    step('verifying', `Control plane switched; probing the data plane.\n\n${table()}`);
    rolledBack = await Promise.all(probes);
    for (const r of rolledBack) {
      const p = plans.find((x) => x.service === r.service);
      if (p) setState(p, `serving ${p.target}`);
    }
    if (cfg.holdSeconds > 0) {
      step('holding', `Rollback targets serving; holding ${cfg.holdSeconds} s before restoring.\n\n${table()}`);
      await sleep(cfg.holdSeconds * 1000, { summary: `hold the rollback targets for ${cfg.holdSeconds} s` });
    }
  } catch (err) {
    return compensateAndFail(drill, err);
  }
  const servingSinceMs = Math.max(...rolledBack.map((r) => r.servingSinceMs));
  const rtoSeconds = secondsBetween(shiftStartedAtMs, servingSinceMs);
  for (const r of rolledBack) {
    const res = serviceResults.find((s) => s.service === r.service);
    if (res) {
      res.servingTargetAt = new Date(r.servingSinceMs).toISOString();
      res.rtoSeconds = secondsBetween(shiftStartedAtMs, r.servingSinceMs);
      Object.assign(res, rtoMeasurement(r));
    }
  }

  // 3. Restore the exact original allocation and measure it on the data plane too.
  return restoreAndMeasure(drill, rtoSeconds, true);
}
