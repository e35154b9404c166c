import { CancellationScope, log, patched, setCurrentDetails, upsertSearchAttributes, workflowInfo, type ActivityInterfaceFor, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { TrafficChangeOutcome } from '../activities/traffic/traffic-activities';
import { allocationsEqual } from '../domain/traffic/allocation';
import type { ServiceRollbackPlan } from '../domain/traffic/rollback-plan';
import { trafficSettled } from '../domain/traffic/service-state';
import { stuckAlarmDue, type StuckAlarm } from '../domain/traffic/stuck-alarm';
import type { RollbackCarried, RollbackDrillInput, RollbackProgress, RollbackServiceResult } from '../contracts/rollback';
import { DrillOutcome, DrillStep } from '../temporal/search-attributes';
import { recordCompensationStuck } from './metrics';
import { causeMessage } from './plumbing/cause-message';
import { NOTIFY_NON_RETRYABLE } from './plumbing/failure-lists';
import { InFlight } from './plumbing/in-flight';
import { RestoreHandOver, restoreUntilDone } from './plumbing/restore-until-done';

/**
 * Runs from here on hand a restore that keeps failing to a new run (continue-as-new) before their
 * history grows long, and raise the alarm at a backoff rather than on every failed attempt.
 */
export const RESTORE_CONTINUE_AS_NEW_PATCH = 'restore-continue-as-new';
const DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS = 2000;

const notifyOptions: ActivityOptions = { startToCloseTimeout: '30 seconds', retry: { initialInterval: '2s', backoffCoefficient: 2, maximumAttempts: 5, nonRetryableErrorTypes: NOTIFY_NON_RETRYABLE } };

/** The restores still failing when this run's history grew long: the next run takes them on. */
export class RestoresHandedOver extends Error {
  constructor(readonly pending: string[]) {
    super(`restores of ${pending.join(', ')} still failing; continuing in a new run`);
    this.name = 'RestoresHandedOver';
  }
}

export function serviceTable(plans: ServiceRollbackPlan[], state: (p: ServiceRollbackPlan) => string): string {
  return ['| service | current | target | state |', '|---|---|---|---|', ...plans.map((p) => `| ${p.service} | ${p.current} | ${p.target} | ${state(p)} |`)].join('\n');
}

/**
 * The rollback drill's compensation: every service back on its exact original allocation,
 * registered before the first change, run non-cancellable and retried until it succeeds. A restore
 * that keeps failing is announced (error log, search attributes, a notification when the
 * environment names a target) at the stuck-alarm backoff, and handed to a new run before the
 * history grows long, so days of failures neither end the drill nor free the group's lock.
 */
export class RollbackRestore {
  /** Services whose restore is owed, in the order they were changed. */
  readonly owed: ServiceRollbackPlan[] = [];
  restoreFailures: number;
  runs: number;
  private readonly attempts: Record<string, number>;
  private readonly alarm: StuckAlarm;
  private notifications: number;
  /** Work started beside the restores (stuck notices, data-plane watchers): a run hands over only once it has settled. */
  readonly inFlight = new InFlight();
  private readonly state: Map<string, string>;
  private readonly continueAsNewAfterEvents: number;
  private failingListener?: () => void;
  /** This run took over restores that were failing: its search attributes say so from the start. */
  private stuckWhenTakenOver: boolean;

  constructor(
    private readonly input: RollbackDrillInput,
    private readonly plans: ServiceRollbackPlan[],
    private readonly results: RollbackServiceResult[],
    private readonly progress: RollbackProgress,
    private readonly acts: ActivityInterfaceFor<Activities>,
    private readonly changeOptions: ActivityOptions,
    carried: RollbackCarried | undefined,
    continueAsNewAfterEvents: number | undefined,
  ) {
    this.stuckWhenTakenOver = !!carried && carried.pending.length > 0;
    this.restoreFailures = carried?.restoreFailures ?? 0;
    this.runs = carried?.runs ?? 1;
    this.attempts = { ...(carried?.attempts ?? {}) };
    this.alarm = carried?.alarm ?? { raised: 0 };
    this.notifications = carried?.notifications ?? 0;
    this.state = new Map(plans.map((p) => [p.service, carried ? (carried.pending.includes(p.service) ? 'RESTORE FAILING' : 'restored') : 'planned']));
    this.continueAsNewAfterEvents = continueAsNewAfterEvents ?? DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS;
    progress.restoreFailures = this.restoreFailures;
    if (carried) {
      for (const p of plans) if (carried.pending.includes(p.service)) this.owed.push(p);
      for (const p of plans) this.setState(p, this.state.get(p.service)!);
    }
  }

  setState(p: ServiceRollbackPlan, s: string): void {
    this.state.set(p.service, s);
    const entry = this.progress.services.find((x) => x.service === p.service);
    if (entry) entry.state = s;
  }

  table(): string {
    return serviceTable(this.plans, (p) => this.state.get(p.service) ?? '');
  }

  /** Called after each failed attempt (the last listener given wins). */
  whenFailing(listener: () => void): void {
    this.failingListener = listener;
  }

  /** Registers a service's restore before the change that it undoes. */
  owe(p: ServiceRollbackPlan): void {
    this.owed.push(p);
  }

  /** Every owed restore, until each succeeds; throws RestoresHandedOver when the run should continue as new. */
  restoreAll(): Promise<TrafficChangeOutcome[]> {
    if (this.stuckWhenTakenOver) {
      this.stuckWhenTakenOver = false;
      recordCompensationStuck(this.input, true);
      upsertSearchAttributes([
        { key: DrillStep, value: 'restore-failing' },
        { key: DrillOutcome, value: 'COMPENSATION_STUCK' },
      ]);
    }
    return CancellationScope.nonCancellable(async () => {
      const settled = await Promise.allSettled(this.owed.map((p) => this.restoreService(p)));
      const handedOver = this.owed.filter((_, i) => {
        const s = settled[i]!;
        return s.status === 'rejected' && s.reason instanceof RestoreHandOver;
      });
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected' && !(s.reason instanceof RestoreHandOver));
      if (failed) throw failed.reason;
      if (handedOver.length) throw new RestoresHandedOver(handedOver.map((p) => p.service));
      if (this.restoreFailures > 0) recordCompensationStuck(this.input, false);
      return settled.map((s) => (s as PromiseFulfilledResult<TrafficChangeOutcome>).value);
    });
  }

  /** What the next run needs to finish the restore. */
  carry(rest: Omit<RollbackCarried, 'runs' | 'plans' | 'pending' | 'attempts' | 'restoreFailures' | 'alarm' | 'notifications' | 'services'>, pending: string[]): RollbackCarried {
    return {
      ...rest,
      runs: this.runs + 1,
      plans: this.plans,
      pending,
      attempts: this.attempts,
      restoreFailures: this.restoreFailures,
      alarm: this.alarm,
      notifications: this.notifications,
      services: this.results,
    };
  }

  private restoreService(p: ServiceRollbackPlan): Promise<TrafficChangeOutcome> {
    const cfg = this.input.rollback;
    return restoreUntilDone(
      `the restore of ${p.service}`,
      async () => {
        this.setState(p, 'restoring');
        const out = await this.acts.restoreTraffic.executeWithOptions({ ...this.changeOptions, summary: `restore ${p.service} to ${p.originalSummary}` }, [
          { cloudRun: this.input.cloudRun, service: p.service, allocation: p.original, settleTimeoutMs: cfg.switchTimeoutSeconds * 1000 },
        ]);
        this.setState(p, 'restored');
        const res = this.results.find((r) => r.service === p.service);
        if (res) {
          res.restoredTraffic = out.snapshot.traffic;
          res.trafficRestored = allocationsEqual(out.snapshot.traffic, p.original) && trafficSettled(out.snapshot);
        }
        return out;
      },
      {
        previousAttempts: this.attempts[p.service] ?? 0,
        failed: (attempt, message) => this.failed(p, attempt, message),
        handOver: () =>
          patched(RESTORE_CONTINUE_AS_NEW_PATCH) && (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= this.continueAsNewAfterEvents) && this.inFlight.mayHandOver(),
      },
    );
  }

  private failed(p: ServiceRollbackPlan, attempt: number, message: string): void {
    this.attempts[p.service] = attempt;
    this.restoreFailures++;
    this.progress.restoreFailures = this.restoreFailures;
    this.progress.lastRestoreError = `${p.service}: ${message}`;
    this.setState(p, 'RESTORE FAILING');
    recordCompensationStuck(this.input, true);
    this.failingListener?.();
    setCurrentDetails(`**RESTORE FAILING** on ${p.service} (attempt ${attempt}): ${message}\n\nOriginal traffic to restore: ${p.originalSummary}. Retrying until it succeeds.\n\n${this.table()}`);
    // Runs recorded before the patch announced every failed attempt.
    if (!patched(RESTORE_CONTINUE_AS_NEW_PATCH)) {
      log.error(`RESTORE FAILED for service ${p.service} (attempt ${attempt}); traffic is not back to ${p.originalSummary}; retrying`, { service: p.service, error: message });
      upsertSearchAttributes([{ key: DrillStep, value: 'restore-failing' }]);
      return;
    }
    if (!stuckAlarmDue(this.alarm, Date.now())) {
      log.warn(`restore of ${p.service} failed again (attempt ${attempt}); retrying`, { service: p.service, error: message });
      return;
    }
    this.alarm.raised++;
    this.alarm.lastRaisedAtMs = Date.now();
    log.error(`RESTORE FAILED for service ${p.service} (attempt ${attempt}); traffic is not back to ${p.originalSummary}; retrying until it succeeds`, { service: p.service, error: message });
    upsertSearchAttributes([
      { key: DrillStep, value: 'restore-failing' },
      { key: DrillOutcome, value: 'COMPENSATION_STUCK' },
    ]);
    this.notifyStuck(`The restore of ${p.service} to ${p.originalSummary} failed ${attempt} time(s): ${message}. It is retried until it succeeds, and the group stays locked meanwhile; fix the cause.`);
  }

  /** Sent beside the retries, never awaited by them: a slow webhook must not delay the next attempt. */
  private notifyStuck(text: string): void {
    const target = this.input.notify?.target;
    if (!target) return;
    this.notifications++;
    const { workflowId } = workflowInfo();
    const key = `${workflowId}#${this.notifications}:restore-stuck`;
    const sent = this.acts.notifyRollout
      .executeWithOptions({ ...notifyOptions, summary: 'notify: restore-stuck' }, [{ target, notification: { key, notice: 'restore-stuck', environment: this.input.environment, group: this.input.group, workflowId, text } }])
      .catch((err: unknown) => log.warn(`could not send the restore-stuck notification: ${causeMessage(err)}`));
    this.inFlight.track(sent);
  }
}
