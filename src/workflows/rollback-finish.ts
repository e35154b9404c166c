import { ApplicationFailure, CancellationScope, continueAsNew, isCancellation, log, patched, setCurrentDetails, upsertSearchAttributes, type ActivityInterfaceFor } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ServingProbeResult } from '../activities/traffic/probe-serving-revision';
import { describeAllocation } from '../domain/traffic/allocation';
import type { ServiceRollbackPlan } from '../domain/traffic/rollback-plan';
import { rtoMeaning } from '../domain/traffic/rto-measurement';
import { rollbackVerdict, secondsBetween, verdictReasons } from '../domain/traffic/verdict';
import type { RollbackCarried, RollbackDrillRequest, RollbackDrillResult, RollbackPhase, RollbackProgress, RollbackResultBase, RollbackServiceResult } from '../contracts/rollback';
import { DrillOutcome, DrillStep } from '../temporal/search-attributes';
import { whoCancelled } from './plumbing/cancel-request';
import { causeChain, failRun } from './plumbing/failure-result';
import { everythingRestored, failureSummary, FAILURES_ARE_RESULTS_PATCH, restorationSentence, RUN_FAILED, type RunChange } from '../contracts/run-conclusion';
import { causeMessage } from './plumbing/cause-message';
import { HAND_OVER_WITH_NOTHING_IN_FLIGHT_PATCH } from './plumbing/in-flight';
import { RESTORE_CONTINUE_AS_NEW_PATCH, RestoresHandedOver, type RollbackRestore } from './rollback-restore';

/** What the end of an applied drill works with, in its first run or in a run that took over a stuck restore. */
export interface AppliedDrill {
  request: RollbackDrillRequest;
  rtoTargetSeconds: number;
  plans: ServiceRollbackPlan[];
  results: RollbackServiceResult[];
  base: RollbackResultBase;
  progress: RollbackProgress;
  restore: RollbackRestore;
  acts: ActivityInterfaceFor<Activities>;
  step: (phase: RollbackPhase, details: string) => void;
  /** Starts a data-plane probe that waits for the original revisions of `p` to serve again. */
  /** With `waitForCancel`, a cancelled probe settles once the activity has stopped, not when asked to. */
  probeRestore: (p: ServiceRollbackPlan, deadlineMs: number, waitForCancel?: boolean) => Promise<ServingProbeResult>;
  switchTimeoutMs: number;
  shiftStartedAtMs: number;
}

/** Hands the owed restores to a new run: the Workflow ID, and so the group's lock, stays held. */
function carryOn(d: AppliedDrill, handedOver: RestoresHandedOver, rest: Pick<RollbackCarried, 'purpose' | 'rtoSeconds' | 'restoreStartedAtMs' | 'failure'>): Promise<never> {
  const carried = d.restore.carry({ ...rest, base: d.base, shiftStartedAtMs: d.shiftStartedAtMs }, handedOver.pending);
  log.warn(`restore still failing; continuing as run ${carried.runs} with ${handedOver.pending.join(', ')} to restore`, { restoreFailures: carried.restoreFailures });
  return continueAsNew<(r: RollbackDrillRequest) => Promise<RollbackDrillResult>>({ ...d.request, carried });
}

/**
 * Step 3 of an applied drill: restore the exact original allocation and measure it on the data
 * plane. `alongside` starts the probes that may watch during the change first (the first run; a
 * run that took over probes after the restore).
 */
export async function restoreAndMeasure(d: AppliedDrill, rtoSeconds: number, alongside: boolean, startedAtMs?: number): Promise<RollbackDrillResult> {
  const restoreStartedAtMs = startedAtMs ?? Date.now();
  d.step('restoring', `RTO ${rtoSeconds} s. Restoring the original traffic.\n\n${d.restore.table()}`);
  const deadlineMs = Date.now() + d.switchTimeoutMs;
  const watchers = new CancellationScope();
  const watched = alongside ? d.plans.filter((p) => p.probeAlongsideChange) : [];
  // A stopped watcher still running when the run hands over would be dropped with it.
  const waitForCancel = watched.length > 0 && patched(HAND_OVER_WITH_NOTHING_IN_FLIGHT_PATCH);
  let restoreProbes = watched.map((p) => {
    const probe = watchers.run(() => d.probeRestore(p, deadlineMs, waitForCancel));
    probe.catch(() => undefined); // a stopped watcher rejects; its promise is then replaced
    d.restore.inFlight.track(probe);
    return probe;
  });
  // A probe watching a restore that fails cannot succeed until a retry does: stop it (it would poll
  // and retry in vain, for as long as the restore is stuck) and probe again once traffic is back.
  let watchersStopped = false;
  d.restore.whenFailing(() => {
    if (watchersStopped || !patched(RESTORE_CONTINUE_AS_NEW_PATCH)) return;
    watchersStopped = true;
    watchers.cancel();
  });
  try {
    await d.restore.restoreAll();
  } catch (err) {
    if (err instanceof RestoresHandedOver) return carryOn(d, err, { purpose: 'restore', rtoSeconds, restoreStartedAtMs });
    throw err;
  }
  if (watchersStopped) restoreProbes = watched.map((p) => d.probeRestore(p, Date.now() + d.switchTimeoutMs));
  const after = alongside ? d.plans.filter((p) => !p.probeAlongsideChange) : d.plans;
  const afterDeadlineMs = alongside ? deadlineMs : Date.now() + d.switchTimeoutMs;
  restoreProbes.push(...after.map((p) => d.probeRestore(p, afterDeadlineMs)));
  let restoredSeen: ServingProbeResult[] = [];
  const reasons: string[] = [];
  try {
    restoredSeen = await Promise.all(restoreProbes);
  } catch (err) {
    if (isCancellation(err)) throw err;
    reasons.push(`the data plane did not confirm the restore: ${causeMessage(err)}`);
  }
  for (const p of d.plans) {
    const res = d.results.find((r) => r.service === p.service);
    if (!res?.restoredTraffic) continue;
    const seen = restoredSeen.find((r) => r.service === p.service);
    if (seen) res.restoreSeconds = secondsBetween(restoreStartedAtMs, seen.servingSinceMs);
    if (!res.trafficRestored) log.error(`service ${p.service} is not back on its original traffic`, { expected: describeAllocation(p.original), found: describeAllocation(res.restoredTraffic) });
  }
  const trafficRestored = d.results.every((r) => r.trafficRestored) && reasons.length === 0;
  const restoreSeenMs = restoredSeen.length ? Math.max(...restoredSeen.map((r) => r.servingSinceMs)) : Date.now();
  const restoreSeconds = secondsBetween(restoreStartedAtMs, restoreSeenMs);
  const totalSeconds = secondsBetween(d.shiftStartedAtMs, restoreSeenMs);
  const figures = { rtoSeconds, rtoTargetSeconds: d.rtoTargetSeconds, trafficRestored };
  const verdict = rollbackVerdict(figures);
  reasons.push(...verdictReasons(figures));
  upsertSearchAttributes([{ key: DrillOutcome, value: verdict }]);
  d.step('done', `Rollback drill **${verdict}**: RTO ${rtoSeconds} s (target ${d.rtoTargetSeconds} s), restore ${restoreSeconds} s, total ${totalSeconds} s, traffic restored: ${trafficRestored ? 'yes' : 'NO'}.\n\n${d.restore.table()}`);
  const changes: RunChange[] = d.plans.map((p, i) => ({
    what: `traffic of ${p.service}: ${p.originalSummary} -> ${p.rollbackSummary}`,
    undone: d.results[i]?.trafficRestored === true,
    ...(d.results[i]?.trafficRestored ? {} : { detail: reasons.join('; ') || 'not back on its original traffic' }),
  }));
  const causes = reasons.map((message) => ({ type: 'RollbackDrillVerdict', message }));
  const result: RollbackDrillResult = {
    ...d.base,
    verdict,
    reasons,
    services: d.results,
    rtoSeconds,
    ...rtoMeaning(d.results),
    restoreSeconds,
    totalSeconds,
    trafficRestored,
    restoreFailures: d.restore.restoreFailures,
    shiftStartedAt: new Date(d.shiftStartedAtMs).toISOString(),
    finishedAt: new Date().toISOString(),
    conclusion: {
      summary:
        verdict === 'PASS'
          ? `Rollback drill passed: RTO ${rtoSeconds} s (target ${d.rtoTargetSeconds} s). Traffic restored on every service, verified.`
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

/**
 * The drill failed or was cancelled after its first change: restore every service, then fail (or
 * end cancelled) with the cause. Who cancelled is read beside the restore, never before it.
 * A run that took over the restore (`carried`) was not itself cancelled: it fails with the type
 * RollbackDrillCancelled and says who cancelled the first one.
 */
export async function compensateAndFail(d: AppliedDrill, err: unknown, carried?: RollbackCarried['failure']): Promise<never> {
  const message = carried?.message ?? causeMessage(err);
  const cancelled = carried?.cancelled ?? isCancellation(err);
  const failedPhase = carried?.failedAt ?? d.progress.phase;
  d.step('compensating', `**Drill ${cancelled ? 'cancelled' : 'failed'}**: ${message}\n\nRestoring the original traffic on every service.\n\n${d.restore.table()}`);
  if (!carried) log.warn(`rollback drill ${cancelled ? 'cancelled' : 'failed'}; restoring the original traffic`, { error: message });
  const compensationStartedAtMs = Date.now();
  const restoring = d.restore.restoreAll();
  restoring.catch(() => undefined);
  const who = cancelled && !carried ? whoCancelled(d.acts) : undefined;
  let cancelledBy = carried?.cancelledBy;
  if (who) {
    cancelledBy = (await who).description;
    d.progress.cancelledBy = cancelledBy;
    log.info(`rollback drill cancelled by ${cancelledBy}`);
  }
  try {
    await restoring;
  } catch (e) {
    if (e instanceof RestoresHandedOver) return carryOn(d, e, { purpose: 'compensate', failure: { message, cancelled, failedAt: failedPhase, ...(cancelledBy ? { cancelledBy } : {}) } });
    throw e;
  }
  const failures = d.restore.restoreFailures;
  d.progress.phase = 'done';
  upsertSearchAttributes([{ key: DrillOutcome, value: cancelled ? 'CANCELLED' : 'FAIL' }, { key: DrillStep, value: 'done' }]);
  setCurrentDetails(
    `**${cancelled ? `Cancelled${cancelledBy ? ` by ${cancelledBy}` : ''}` : 'Failed'}**; original traffic restored on every service${failures ? ` after ${failures} failed restore attempt(s)` : ''}.\n\nCause: ${message}\n\n${d.restore.table()}`,
  );
  if (cancelled && !carried) throw err;
  if (!cancelled) {
    // What the compensation read back from Cloud Run: every shifted service on its exact original traffic, settled.
    const owed = d.plans.filter((p) => d.restore.owed.includes(p) || carried);
    const changes: RunChange[] = owed.map((p) => {
      const res = d.results.find((r) => r.service === p.service);
      return { what: `traffic of ${p.service}: ${p.originalSummary} -> ${p.rollbackSummary}`, undone: res?.trafficRestored === true, ...(res?.trafficRestored ? {} : { detail: `found ${res?.restoredTraffic ? describeAllocation(res.restoredTraffic) : 'nothing read back'}` }) };
    });
    const trafficBack = everythingRestored(changes);
    const causes = err === undefined ? [{ type: RUN_FAILED.rollback, message }] : causeChain(err);
    const finishedAtMs = Date.now();
    const failed: RollbackDrillResult = {
      ...d.base,
      verdict: 'FAIL',
      reasons: [`the drill failed while ${failedPhase}: ${message}`],
      services: d.results,
      restoreSeconds: secondsBetween(compensationStartedAtMs, finishedAtMs),
      totalSeconds: secondsBetween(d.shiftStartedAtMs, finishedAtMs),
      trafficRestored: trafficBack,
      restoreFailures: failures,
      shiftStartedAt: new Date(d.shiftStartedAtMs).toISOString(),
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
  throw ApplicationFailure.create({
    type: 'RollbackDrillCancelled',
    message: `rollback drill on ${d.base.group} ${cancelled ? `cancelled${cancelledBy ? ` by ${cancelledBy}` : ''}` : `failed: ${message}`}; the original traffic was restored on every service`,
    nonRetryable: true,
    cause: err instanceof Error ? err : undefined,
  });
}
