import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  patched,
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
import { causeMessage } from './plumbing/cause-message';
import { TRAFFIC_CHANGE_NON_RETRYABLE } from './plumbing/failure-lists';
import { restoreUntilDone } from './plumbing/restore-until-done';
import { causeChain, failRun } from './plumbing/failure-result';
import { everythingRestored, failureSummary, FAILURES_ARE_RESULTS_PATCH, restorationSentence, RUN_FAILED, type RunChange } from '../shared/run-conclusion';
import type { ServingProbeResult } from '../activities/traffic/probe-serving-revision';
import type { TrafficChangeOutcome } from '../activities/traffic/traffic-activities';
import { allocationsEqual, describeAllocation } from '../domain/traffic/allocation';
import { productionGuardProblem } from '../domain/traffic/production-guard';
import { planRollback, servingProbeRequest, type ServiceRollbackPlan } from '../domain/traffic/rollback-plan';
import { resolveRollbackTargets, RollbackTargetError, type DrillService } from '../domain/traffic/rollback-targets';
import { trafficSettled } from '../domain/traffic/service-state';
import { rtoMeaning, rtoMeasurement } from '../domain/traffic/rto-measurement';
import { rollbackVerdict, secondsBetween, verdictReasons } from '../domain/traffic/verdict';
import { DrillEnvironment, DrillKind, DrillOutcome, DrillServiceGroup, DrillStep } from '../temporal/search-attributes';
import { holdsTrafficLock, trafficLockWorkflowId } from '../shared/traffic-lock';
import {
  rollbackProgressQuery,
  type RollbackDrillRequest,
  type RollbackDrillInput,
  type RollbackDrillResult,
  type RollbackPhase,
  type RollbackProgress,
  type RollbackServiceResult,
} from '../shared/rollback';

/**
 * Marks a promise as handled as soon as it exists: a probe may fail before the workflow awaits it,
 * and an unhandled rejection would fail the workflow task. Awaiting it still sees the rejection.
 */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

function serviceTable(plans: ServiceRollbackPlan[], state: (p: ServiceRollbackPlan) => string): string {
  return ['| service | current | target | state |', '|---|---|---|---|', ...plans.map((p) => `| ${p.service} | ${p.current} | ${p.target} | ${state(p)} |`)].join('\n');
}

/**
 * The rollback drill on one service group (run-rollback-drill.sh, made safe): resolve every
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

  const { read: readOptions, change: changeOptions, probe: probeOptions } = trafficActivityOptions(cfg, TRAFFIC_CHANGE_NON_RETRYABLE, 5);
  const acts = proxyActivities<Activities>(readOptions);

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

  const state = new Map(plans.map((p) => [p.service, 'planned']));
  const setState = (p: ServiceRollbackPlan, s: string): void => {
    state.set(p.service, s);
    const entry = progress.services.find((x) => x.service === p.service);
    if (entry) entry.state = s;
  };
  const table = (): string => serviceTable(plans, (p) => state.get(p.service) ?? '');

  // `allocation` is what Cloud Run must report in force first when answers cannot name a revision.
  const probe = (p: ServiceRollbackPlan, expected: string[], deadlineMs: number, what: string, allocation: ServiceRollbackPlan['original'], others: string[]): Promise<ServingProbeResult> =>
    handled(
      acts.probeServingRevision.executeWithOptions({ ...probeOptions, summary: `${what}: wait for ${cfg.consecutiveHealthy} answers from ${expected.join(' or ')} at ${p.probe.url}` }, [
        servingProbeRequest(p, cfg, expected, deadlineMs, { cloudRun: input.cloudRun, allocation, otherRevisions: others.filter((r) => !expected.includes(r)) }),
      ]),
    );

  // The compensation: every service back on its exact original allocation. Registered (this list)
  // before the first mutation; retried until it succeeds, never swallowed.
  const toRestore: ServiceRollbackPlan[] = [];
  let restoreFailures = 0;
  const restoreService = (p: ServiceRollbackPlan): Promise<TrafficChangeOutcome> =>
    restoreUntilDone(
      `the restore of ${p.service}`,
      async () => {
        setState(p, 'restoring');
        const out = await acts.restoreTraffic.executeWithOptions({ ...changeOptions, summary: `restore ${p.service} to ${p.originalSummary}` }, [
          { cloudRun: input.cloudRun, service: p.service, allocation: p.original, settleTimeoutMs: cfg.switchTimeoutSeconds * 1000 },
        ]);
        setState(p, 'restored');
        return out;
      },
      {
        failed: (attempt, message) => {
          restoreFailures++;
          progress.restoreFailures = restoreFailures;
          progress.lastRestoreError = `${p.service}: ${message}`;
          setState(p, 'RESTORE FAILING');
          log.error(`RESTORE FAILED for service ${p.service} (attempt ${attempt}); traffic is not back to ${p.originalSummary}; retrying`, { service: p.service, error: message });
          upsertSearchAttributes([{ key: DrillStep, value: 'restore-failing' }]);
          setCurrentDetails(`**RESTORE FAILING** on ${p.service} (attempt ${attempt}): ${message}\n\nOriginal traffic to restore: ${p.originalSummary}. Retrying until it succeeds.\n\n${table()}`);
        },
      },
    );
  const restoreAll = (): Promise<TrafficChangeOutcome[]> => CancellationScope.nonCancellable(() => Promise.all(toRestore.map(restoreService)));

  // 2. Apply: shift every service; RTO runs from here until probes see every target serving.
  const shiftStartedAtMs = Date.now();
  const switchDeadlineMs = shiftStartedAtMs + cfg.switchTimeoutSeconds * 1000;
  step('shifting', `Shifting traffic to the rollback targets.\n\n${table()}`);
  let rolledBack: ServingProbeResult[];
  try {
    const probeScope = new CancellationScope();
    const probes: Promise<ServingProbeResult>[] = [];
    const shifts = plans.map((p) => {
      toRestore.push(p);
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
    const failedPhase = progress.phase;
    step('compensating', `**Drill failed**: ${causeMessage(err)}\n\nRestoring the original traffic on every service.\n\n${table()}`);
    log.warn('rollback drill failed; restoring the original traffic', { error: causeMessage(err) });
    const compensationStartedAtMs = Date.now();
    const restoredOut = await restoreAll();
    const cancelled = isCancellation(err);
    upsertSearchAttributes([{ key: DrillOutcome, value: cancelled ? 'CANCELLED' : 'FAIL' }, { key: DrillStep, value: 'done' }]);
    setCurrentDetails(`**${cancelled ? 'Cancelled' : 'Failed'}**; original traffic restored on every service${restoreFailures ? ` after ${restoreFailures} failed restore attempt(s)` : ''}.\n\nCause: ${causeMessage(err)}\n\n${table()}`);
    if (cancelled) throw err;
    // What the compensation read back from Cloud Run: every shifted service on its exact original traffic, settled.
    toRestore.forEach((p, i) => {
      const res = serviceResults.find((r) => r.service === p.service);
      const snapshot = restoredOut[i]?.snapshot;
      if (!res || !snapshot) return;
      res.restoredTraffic = snapshot.traffic;
      res.trafficRestored = allocationsEqual(snapshot.traffic, p.original) && trafficSettled(snapshot);
    });
    const changes: RunChange[] = toRestore.map((p) => {
      const res = serviceResults.find((r) => r.service === p.service);
      return { what: `traffic of ${p.service}: ${p.originalSummary} -> ${p.rollbackSummary}`, undone: res?.trafficRestored === true, ...(res?.trafficRestored ? {} : { detail: `found ${res?.restoredTraffic ? describeAllocation(res.restoredTraffic) : 'nothing read back'}` }) };
    });
    const trafficBack = everythingRestored(changes);
    const causes = causeChain(err);
    const finishedAtMs = Date.now();
    const failed: RollbackDrillResult = {
      ...base,
      verdict: 'FAIL',
      reasons: [`the drill failed while ${failedPhase}: ${causeMessage(err)}`],
      services: serviceResults,
      restoreSeconds: secondsBetween(compensationStartedAtMs, finishedAtMs),
      totalSeconds: secondsBetween(shiftStartedAtMs, finishedAtMs),
      trafficRestored: trafficBack,
      restoreFailures,
      shiftStartedAt: new Date(shiftStartedAtMs).toISOString(),
      finishedAt: new Date(finishedAtMs).toISOString(),
      conclusion: {
        summary: failureSummary('Rollback drill', causes, trafficBack ? 'Traffic restored on every service, verified.' : restorationSentence(changes)),
        failedAt: failedPhase,
        causes,
        changes,
        restored: trafficBack,
      },
    };
    return failRun(RUN_FAILED.rollback, failed, err);
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
  const restoreStartedAtMs = Date.now();
  step('restoring', `RTO ${rtoSeconds} s. Restoring the original traffic.\n\n${table()}`);
  const restoreProbeDeadlineMs = restoreStartedAtMs + cfg.switchTimeoutSeconds * 1000;
  const restoreProbes = plans.filter((p) => p.probeAlongsideChange).map((p) => probe(p, p.restoreRevisions, restoreProbeDeadlineMs, `restore of ${p.service}`, p.original, [p.target]));
  const restored = await restoreAll();
  restoreProbes.push(...plans.filter((p) => !p.probeAlongsideChange).map((p) => probe(p, p.restoreRevisions, restoreProbeDeadlineMs, `restore of ${p.service}`, p.original, [p.target])));
  let restoredSeen: ServingProbeResult[] = [];
  const reasons: string[] = [];
  try {
    restoredSeen = await Promise.all(restoreProbes);
  } catch (err) {
    if (isCancellation(err)) throw err;
    reasons.push(`the data plane did not confirm the restore: ${causeMessage(err)}`);
  }
  plans.forEach((p, i) => {
    const res = serviceResults[i];
    const snapshot = restored[i]?.snapshot;
    if (!res || !snapshot) return;
    res.restoredTraffic = snapshot.traffic;
    res.trafficRestored = allocationsEqual(snapshot.traffic, p.original) && trafficSettled(snapshot);
    const seen = restoredSeen.find((r) => r.service === p.service);
    if (seen) res.restoreSeconds = secondsBetween(restoreStartedAtMs, seen.servingSinceMs);
    if (!res.trafficRestored) log.error(`service ${p.service} is not back on its original traffic`, { expected: describeAllocation(p.original), found: describeAllocation(snapshot.traffic) });
  });
  const trafficRestored = serviceResults.every((r) => r.trafficRestored) && reasons.length === 0;
  const restoreSeenMs = restoredSeen.length ? Math.max(...restoredSeen.map((r) => r.servingSinceMs)) : Date.now();
  const restoreSeconds = secondsBetween(restoreStartedAtMs, restoreSeenMs);
  const totalSeconds = secondsBetween(shiftStartedAtMs, restoreSeenMs);
  const figures = { rtoSeconds, rtoTargetSeconds: cfg.rtoTargetSeconds, trafficRestored };
  const verdict = rollbackVerdict(figures);
  reasons.push(...verdictReasons(figures));
  upsertSearchAttributes([{ key: DrillOutcome, value: verdict }]);
  step('done', `Rollback drill **${verdict}**: RTO ${rtoSeconds} s (target ${cfg.rtoTargetSeconds} s), restore ${restoreSeconds} s, total ${totalSeconds} s, traffic restored: ${trafficRestored ? 'yes' : 'NO'}.\n\n${table()}`);
  const changes: RunChange[] = plans.map((p, i) => ({
    what: `traffic of ${p.service}: ${p.originalSummary} -> ${p.rollbackSummary}`,
    undone: serviceResults[i]?.trafficRestored === true,
    ...(serviceResults[i]?.trafficRestored ? {} : { detail: reasons.join('; ') || 'not back on its original traffic' }),
  }));
  const causes = reasons.map((message) => ({ type: 'RollbackDrillVerdict', message }));
  const result: RollbackDrillResult = {
    ...base,
    verdict,
    reasons,
    services: serviceResults,
    rtoSeconds,
    ...rtoMeaning(serviceResults),
    restoreSeconds,
    totalSeconds,
    trafficRestored,
    restoreFailures,
    shiftStartedAt: new Date(shiftStartedAtMs).toISOString(),
    finishedAt: new Date().toISOString(),
    conclusion: {
      summary:
        verdict === 'PASS'
          ? `Rollback drill passed: RTO ${rtoSeconds} s (target ${cfg.rtoTargetSeconds} s). Traffic restored on every service, verified.`
          : failureSummary('Rollback drill', causes, trafficRestored ? 'Traffic restored on every service, verified.' : restorationSentence(changes)),
      ...(verdict === 'FAIL' ? { failedAt: 'done' } : {}),
      causes,
      changes,
      restored: trafficRestored,
    },
  };
  if (verdict === 'FAIL' && patched(FAILURES_ARE_RESULTS_PATCH)) return failRun(RUN_FAILED.rollback, result);
  return result;
}
