import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowCancellationType,
  ChildWorkflowFailure,
  condition,
  ContinueAsNew,
  continueAsNew,
  executeChild,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import type { Activities } from '../activities';
import { fromWorkerConfig, settings } from './worker-settings';
import { trafficActivityOptions } from './plumbing/activity-options';
import { causeMessage } from './plumbing/cause-message';
import { NOTIFY_NON_RETRYABLE, ROLLOUT_NON_RETRYABLE } from './plumbing/failure-lists';
import { restoreUntilDone } from './plumbing/restore-until-done';
import { analysisRequest, applyStopRule, evaluateReadings, failingChecks } from '../domain/rollout/analysis';
import {
  abortRefusal,
  approvalRefusal,
  pauseRefusal,
  rejectionRefusal,
  resumeRefusal,
  setBakeRefusal,
  skipBakeRefusal,
  type AbortRequest,
  type ApprovalRequest,
  type ControlContext,
  type PauseRequest,
  type SetBakeRequest,
  type SkipBakeRequest,
} from '../domain/rollout/controls';
import { describeIdentity, type DecisionIdentity, type DecisionKind, type DecisionPayload, type DecisionProof } from '../domain/decision-signature';
import { bakeText, renderCurrentDetails } from '../domain/rollout/details';
import { DURATION_CAPS_MS } from '../domain/duration-limits';
import { durationMs, formatDuration } from '../domain/rollout/duration';
import type { RolloutNotice } from '../domain/rollout/notification';
import { effectiveTags, type RolloutGate, type RolloutStep } from '../domain/rollout/plan-schema';
import { bakeRemainingMs, stepMayProceed } from '../domain/rollout/progress';
import type { ApprovalRecord, GateRecord, RolloutPhase, RolloutService, TimelineEntry, TimelineEvent } from '../domain/rollout/records';
import { resolveRolloutServices, RolloutPreflightError } from '../domain/rollout/revisions';
import { finishAllocation, servingRevisionsAt, stepAllocation } from '../domain/rollout/traffic-split';
import { rolloutServingProbe } from '../domain/rollout/serving-probe';
import { allocationsEqual, describeAllocation } from '../domain/traffic/allocation';
import { productionGuardProblem } from '../domain/traffic/production-guard';
import { trafficSettled } from '../domain/traffic/service-state';
import { DrillEnvironment, DrillKind, DrillOutcome, DrillServiceGroup, DrillStep } from '../temporal/search-attributes';
import { recordCompensationStuck, recordRolloutPhase } from './metrics';
import {
  abortSignal,
  abortUpdate,
  approveSignal,
  approveUpdate,
  pauseSignal,
  pauseUpdate,
  rejectSignal,
  rejectUpdate,
  resumeSignal,
  resumeUpdate,
  ROLLOUT_ABORTED,
  rolloutStatusQuery,
  setBakeSignal,
  setBakeUpdate,
  skipBakeSignal,
  skipBakeUpdate,
  type RolloutRequest,
  type RolloutInput,
  type RolloutOutcome,
  type RolloutResult,
  type RolloutState,
  type RolloutStatus,
  type StepRecord,
} from '../shared/rollout';
import { trafficLockChildId } from '../shared/traffic-lock';
import { challengeFor, DecisionRefusal, establishIdentity, newNonce, signedDecisions } from './decisions';

/** Timeline entries kept in the carried state; the oldest go first (counted in timelineDropped). */
const MAX_TIMELINE = 500;
const DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS = 2000;

/** Ends a rollout early: a rejection, an abort, a timeout with abort, a failed gate or a failed analysis. */
class RolloutStop extends Error {
  constructor(
    readonly reason: string,
    readonly by: string,
  ) {
    super(reason);
    this.name = 'RolloutStop';
  }
}

function nowIso(): string {
  return new Date().toISOString();
}

/** What a child drill reports about itself, whatever its kind. */
interface DrillVerdict {
  verdict?: string;
  reasons?: string[];
  checks?: { name: string; ok: boolean; detail: string }[];
  rtoSeconds?: number;
}

function gateDetail(r: DrillVerdict, seconds: number): string {
  const why = [...(r.reasons ?? []), ...(r.checks ?? []).filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`)];
  const rto = r.rtoSeconds !== undefined ? `, RTO ${r.rtoSeconds} s` : '';
  return `${r.verdict ?? 'no verdict'} in ${seconds.toFixed(1)} s${rto}${why.length ? `: ${why.join('; ')}` : ''}`;
}

function initialState(input: Pick<RolloutInput, 'environment' | 'group' | 'initiator'>, workflowId: string): RolloutState {
  return {
    workflowId,
    environment: input.environment,
    group: input.group,
    initiator: input.initiator,
    startedAt: nowIso(),
    phase: 'preflight',
    stepIndex: -1,
    paused: false,
    services: [],
    traffic: {},
    gates: [],
    approvals: [],
    steps: [],
    checks: {},
    hooksApplied: [],
    compensation: 'not-needed',
    timeline: [],
    notifications: 0,
    timelineDropped: 0,
    runs: 1,
  };
}

/**
 * A staged cohort rollout of one service group. Pre-flight
 * (health, one stable revision per service, Ready candidates), then per step: the gates as child
 * drills, the approval, the traffic shift on every service (compensation registered first), the
 * cohort hooks, and the bake with periodic analysis; at 100 % it finishes as the plan says. Any
 * failed gate, failed analysis, rejection, timeout-abort or abort restores the exact pre-rollout
 * traffic on every service and undoes the cohort hooks, durably, and the workflow fails with the
 * reason. It runs under the group's traffic lock (its Workflow ID), so no other traffic-changing
 * workflow can run on the group meanwhile.
 */
export async function stagedRollout(request: RolloutRequest): Promise<RolloutResult> {
  // Status is answered from the start: resolving the settings is a local activity, and a caller may
  // ask meanwhile (`drillctl rollout status` right after `start`). No decision can be signed yet.
  setHandler(rolloutStatusQuery, () => ({
    ...(request.carried ?? initialState(request, workflowInfo().workflowId)),
    stepCount: request.plan.steps.length,
    stepNames: request.plan.steps.map((s) => s.name),
    ...(request.webUiUrl ? { webUiUrl: request.webUiUrl } : {}),
  }));
  const input = await fromWorkerConfig<RolloutInput>(request, () => settings.resolveRollout(request));
  const { workflowId } = workflowInfo();
  const plan = input.plan;
  const tags = effectiveTags(plan.steps);
  const state: RolloutState = input.carried ?? initialState(input, workflowId);
  const canAfterEvents = input.continueAsNewAfterEvents ?? DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS;
  /** Bumped by every control, so waits wake up and re-decide. */
  let wake = 0;
  /** Workflow time the bake was last accounted up to (not carried: a new run starts counting afresh). */
  let bakeClockMs = Date.now();
  // Decisions are signed over a nonce this workflow issues and replaces after each applied one.
  if (!state.decisionNonce) state.decisionNonce = newNonce();

  const planStep = (): RolloutStep | undefined => plan.steps[state.stepIndex];
  const stepRecord = (): StepRecord | undefined => state.steps[state.stepIndex];

  const note = (event: TimelineEvent, detail: string, by?: string): TimelineEntry => {
    const entry: TimelineEntry = { at: nowIso(), event, ...(state.currentStep ? { step: state.currentStep } : {}), ...(by ? { by } : {}), detail };
    state.timeline.push(entry);
    if (state.timeline.length > MAX_TIMELINE) {
      state.timeline.splice(0, state.timeline.length - MAX_TIMELINE);
      state.timelineDropped++;
    }
    return entry;
  };

  /** Counts baked time up to now, unless paused (a paused bake holds its clock). */
  const accountBake = (): void => {
    const now = Date.now();
    const rec = stepRecord();
    if (state.phase === 'baking' && !state.paused && rec) rec.bakedMs += now - bakeClockMs;
    bakeClockMs = now;
  };

  const requestStop = (reason: string, by: string): void => {
    if (state.abortReason) return;
    state.abortReason = reason;
    state.abortedBy = by;
    wake++;
  };
  const checkStop = (): void => {
    if (state.abortReason) throw new RolloutStop(state.abortReason, state.abortedBy ?? 'rollout');
  };

  // --- Controls: Updates with synchronous validators, and signal twins that pass the same checks.
  const controlContext = (): ControlContext => ({
    // Once an abort is under way nothing else may change the rollout.
    phase: state.abortReason && state.phase !== 'completed' && state.phase !== 'aborted' ? 'compensating' : state.phase,
    currentStep: state.currentStep,
    policy: planStep()?.approval,
    initiator: input.initiator,
    paused: state.paused,
    endReason: state.abortReason,
  });

  /** What a control is, for signing: its kind, who it claims to come from, and the words it binds. */
  interface ControlSpec<Req> {
    kind: DecisionKind;
    who: (req: Req) => string;
    /** The request as the verified principal sent it. */
    as: (req: Req, principal: string) => Req;
    words: (req: Req) => Pick<DecisionPayload, 'reason' | 'ticket' | 'bake'>;
  }

  /**
   * Establishes who sent a control (its signature verified by the worker, or unsigned where the
   * environment allows it), checks it again with that principal, and applies it. The nonce the
   * signature covers must still be current: a decision applied meanwhile (or a replayed signature)
   * is refused.
   */
  async function decideSigned<Req extends DecisionProof, Res>(
    req: Req,
    spec: ControlSpec<Req>,
    refusal: (req: Req, ctx: ControlContext) => string | undefined,
    apply: (req: Req, via: 'update' | 'signal', identity?: DecisionIdentity) => Res,
    via: 'update' | 'signal',
  ): Promise<Res> {
    const early = (input.production && !req.signature ? `environment ${input.environment} is production: decisions must be signed (drillctl signs with --key FILE or $DRILLCTL_SIGNING_KEY; the Web UI cannot sign)` : undefined) ?? refusal(req, { ...controlContext(), identityPending: !!req.signature });
    if (early) throw new DecisionRefusal(early);
    const payload: DecisionPayload = { ...challengeFor(state.currentStep, state.decisionNonce), decision: spec.kind, ...spec.words(req) };
    const identity = await establishIdentity(input.environment, payload, req.signature, spec.who(req));
    if (state.decisionNonce !== payload.nonce) throw new DecisionRefusal('another decision was applied while this one was checked; look at the rollout again and sign anew');
    const verified = spec.as(req, identity.principal);
    const why = refusal(verified, controlContext());
    if (why) throw new DecisionRefusal(why);
    const out = apply(verified, via, identity);
    state.decisionNonce = newNonce();
    return out;
  }

  function control<Req extends DecisionProof, Res>(
    update: UpdateDefinition<Res, [Req]>,
    signal: SignalDefinition<[Req]>,
    refusal: (req: Req, ctx: ControlContext) => string | undefined,
    spec: ControlSpec<Req>,
    apply: (req: Req, via: 'update' | 'signal', identity?: DecisionIdentity) => Res,
    description: string,
  ): void {
    const who = spec.who;
    setHandler(
      update,
      async (req) => {
        if (!signedDecisions()) return apply(req, 'update');
        try {
          return await decideSigned(req, spec, refusal, apply, 'update');
        } catch (err) {
          if (err instanceof DecisionRefusal) throw err.toFailure();
          throw err;
        }
      },
      {
        // Synchronous on purpose: an async validator's rejection is ignored and the update accepted.
        // Who signed is known only once the worker has
        // verified the signature, so the identity checks run again then, in the handler.
        validator: (req) => {
          const why = (input.production && !req.signature ? `environment ${input.environment} is production: decisions must be signed (pass --key FILE or set DRILLCTL_SIGNING_KEY)` : undefined) ?? refusal(req, { ...controlContext(), identityPending: !!req.signature });
          if (why) throw new Error(why);
        },
        description,
      },
    );
    const refused = (req: Req, why: string): void => {
      note('refused', `${signal.name} from ${who(req) || '(nobody)'} refused: ${why}`, who(req));
      log.warn(`rollout control refused: ${why}`, { signal: signal.name, by: who(req) });
    };
    setHandler(
      signal,
      async (req) => {
        if (!signedDecisions()) {
          const why = refusal(req, controlContext());
          if (why) refused(req, why);
          else apply(req, 'signal');
          return;
        }
        try {
          await decideSigned(req, spec, refusal, apply, 'signal');
        } catch (err) {
          const refusalOf = DecisionRefusal.fromSignal(err);
          if (!refusalOf) throw err;
          refused(req, refusalOf.message);
        }
      },
      { description: `${description} (from the Web UI; same checks as the Update; refused in production, where decisions must be signed)` },
    );
  }

  /** How the author reads in the timeline: the verified principal, or the typed name marked unsigned. */
  const author = (typed: string, identity?: DecisionIdentity): string => (identity ? describeIdentity(identity) : typed);

  const decide = (decision: 'approved' | 'rejected', req: ApprovalRequest, via: 'update' | 'signal', identity?: DecisionIdentity): ApprovalRecord => {
    const by = author(req.approver, identity);
    const record: ApprovalRecord = {
      step: req.step,
      decision,
      by: req.approver,
      reason: req.reason,
      ...(req.ticket ? { ticket: req.ticket } : {}),
      at: nowIso(),
      via,
      ...(identity ? { signature: identity.signed ? 'verified' : 'unsigned', ...(identity.key ? { key: identity.key } : {}) } : {}),
    };
    state.approvals.push(record);
    note(decision, `${req.reason}${req.ticket ? ` (ticket ${req.ticket})` : ''}`, by);
    if (decision === 'rejected') requestStop(`step ${req.step} rejected by ${by}: ${req.reason}`, by);
    wake++;
    return record;
  };

  const approvalSpec = (kind: 'approve' | 'reject'): ControlSpec<ApprovalRequest> => ({
    kind,
    who: (r) => r.approver,
    as: (r, principal) => ({ ...r, approver: principal }),
    words: (r) => ({ reason: r.reason ?? '', ...(r.ticket ? { ticket: r.ticket } : {}) }),
  });
  const bySpec = <R extends { by: string; reason?: string; bake?: string }>(kind: DecisionKind): ControlSpec<R> => ({
    kind,
    who: (r) => r.by,
    as: (r, principal) => ({ ...r, by: principal }),
    words: (r) => ({ reason: r.reason ?? '', ...(r.bake ? { bake: r.bake } : {}) }),
  });

  control(approveUpdate, approveSignal, approvalRefusal, approvalSpec('approve'), (r, via, id) => decide('approved', r, via, id), 'Approve the current step (step, approver, reason, optional ticket)');
  control(rejectUpdate, rejectSignal, rejectionRefusal, approvalSpec('reject'), (r, via, id) => decide('rejected', r, via, id), 'Reject the current step: abort and restore stable traffic');
  control(
    pauseUpdate,
    pauseSignal,
    pauseRefusal,
    bySpec<PauseRequest>('pause'),
    (r, _via, id) => {
      accountBake();
      state.paused = true;
      state.pausedBy = author(r.by, id);
      wake++;
      return note('paused', r.reason ?? 'paused', author(r.by, id));
    },
    'Pause: hold the bake clock and do not start the next traffic change',
  );
  control(
    resumeUpdate,
    resumeSignal,
    resumeRefusal,
    bySpec<PauseRequest>('resume'),
    (r, _via, id) => {
      state.paused = false;
      state.pausedBy = undefined;
      bakeClockMs = Date.now();
      wake++;
      return note('resumed', r.reason ?? 'resumed', author(r.by, id));
    },
    'Resume a paused rollout',
  );
  control(
    abortUpdate,
    abortSignal,
    abortRefusal,
    bySpec<AbortRequest>('abort'),
    (r, _via, id) => {
      const by = author(r.by, id);
      const entry = note('abort-requested', r.reason, by);
      requestStop(`aborted by ${by}: ${r.reason}`, by);
      return entry;
    },
    'Abort: restore stable traffic on every service and undo the cohort hooks',
  );
  control(
    skipBakeUpdate,
    skipBakeSignal,
    skipBakeRefusal,
    bySpec<SkipBakeRequest>('skip-bake'),
    (r, _via, id) => {
      accountBake();
      const rec = stepRecord()!;
      const by = author(r.by, id);
      rec.bakeSkipped = { by, reason: r.reason, at: nowIso() };
      wake++;
      return note('bake-skipped', `skipped the remaining ${formatDuration(bakeRemainingMs({ bakeMs: rec.bakeMs, bakedMs: rec.bakedMs, skipped: false }))}: ${r.reason}`, by);
    },
    'Skip the rest of the current bake (allowed approvers only)',
  );
  control(
    setBakeUpdate,
    setBakeSignal,
    setBakeRefusal,
    bySpec<SetBakeRequest>('set-bake'),
    (r, _via, id) => {
      accountBake();
      const rec = stepRecord()!;
      const by = author(r.by, id);
      const from = formatDuration(rec.bakeMs);
      rec.bakeMs = durationMs(r.bake);
      rec.bakeChanges.push({ by, from, to: formatDuration(rec.bakeMs), reason: r.reason, at: nowIso() });
      wake++;
      return note('bake-changed', `bake of step ${rec.name} ${from} -> ${formatDuration(rec.bakeMs)}: ${r.reason}`, by);
    },
    'Change the bake of the current step (allowed approvers only)',
  );
  const status = (): RolloutStatus => ({
    ...state,
    stepCount: plan.steps.length,
    stepNames: plan.steps.map((s) => s.name),
    webUiUrl: input.webUiUrl,
    decision: challengeFor(state.currentStep, state.decisionNonce),
  });
  setHandler(rolloutStatusQuery, status, { description: 'Step, traffic per service, gates, approvals, analysis, timeline' });

  // --- Activities
  const settleTimeoutMs = input.traffic.switchTimeoutSeconds * 1000;
  const { read: readOptions, change: changeOptions, probe: probeOptions } = trafficActivityOptions(input.traffic, ROLLOUT_NON_RETRYABLE, 3);
  const analysisOptions: ActivityOptions = { startToCloseTimeout: '5 minutes', heartbeatTimeout: '1 minute', retry: { initialInterval: '1s', maximumAttempts: 3 } };
  const notifyOptions: ActivityOptions = { startToCloseTimeout: '30 seconds', retry: { initialInterval: '2s', backoffCoefficient: 2, maximumAttempts: 5, nonRetryableErrorTypes: NOTIFY_NON_RETRYABLE } };
  // The hook's own timeout is in the worker's config, which the workflow never reads; the activity
  // enforces it, and this is the longest any declared hook may take.
  const hookOptions: ActivityOptions = {
    startToCloseTimeout: DURATION_CAPS_MS.hook + 30_000,
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5, nonRetryableErrorTypes: ROLLOUT_NON_RETRYABLE },
  };
  const acts = proxyActivities<Activities>(readOptions);

  // --- Web UI, search attributes, notifications
  const showDetails = (headline: string, notes: string[] = [], withChecks = false): void => {
    setCurrentDetails(
      renderCurrentDetails({
        headline,
        stepNumber: state.stepIndex >= 0 && state.stepIndex < plan.steps.length ? state.stepIndex + 1 : undefined,
        stepCount: plan.steps.length,
        services: state.services,
        traffic: state.traffic,
        checks: withChecks ? Object.values(state.checks) : undefined,
        notes,
      }),
    );
  };
  let shownStep: string | undefined;
  const setPhase = (phase: RolloutPhase, headline?: string, notes: string[] = []): void => {
    recordRolloutPhase(input, state.phase, phase, state.stepIndex + 1);
    state.phase = phase;
    const where = phase === 'preflight' || phase === 'finishing' || phase === 'compensating' ? phase : phase === 'completed' || phase === 'aborted' ? 'done' : (state.currentStep ?? phase);
    // An unchanged value costs a history event per phase: about 80 of a 20-step plan's events
    // (bench: history-growth). Patched in after histories were recorded with the old behaviour.
    if (where !== shownStep || !patched('rollout-skip-unchanged-step-attribute')) upsertSearchAttributes([{ key: DrillStep, value: where }]);
    shownStep = where;
    if (headline) showDetails(headline, notes);
  };
  const notify = async (notice: RolloutNotice, text: string): Promise<void> => {
    if (!plan.notify) return;
    state.notifications++;
    const key = `${workflowId}#${state.notifications}:${notice}`;
    try {
      await acts.notifyRollout.executeWithOptions({ ...notifyOptions, summary: `notify: ${notice}` }, [
        { target: plan.notify.target, notification: { key, notice, environment: input.environment, group: input.group, workflowId, step: state.currentStep, text, webUiUrl: input.webUiUrl } },
      ]);
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      // A chat outage must not stop or undo a rollout; the miss is on the record.
      note('notification', `could not send the "${notice}" notification: ${causeMessage(err)}`);
    }
  };

  upsertSearchAttributes([
    { key: DrillKind, value: 'rollout' },
    { key: DrillEnvironment, value: input.environment },
    { key: DrillServiceGroup, value: input.group },
  ]);

  /** Runs a child drill; an abort request cancels it (waiting for its own cleanup) and stops the rollout. */
  async function untilStopped<T>(work: () => Promise<T>): Promise<T> {
    const scope = new CancellationScope();
    const running = scope.run(work);
    const watcher = new CancellationScope();
    const stopped = watcher.run(() => condition(() => !!state.abortReason));
    try {
      const first = await Promise.race([
        running.then(
          () => 'done' as const,
          () => 'done' as const,
        ),
        stopped.then(
          () => 'stop' as const,
          () => 'done' as const,
        ),
      ]);
      if (first === 'stop') {
        scope.cancel();
        await running.catch(() => undefined);
        checkStop();
      }
      return await running;
    } finally {
      watcher.cancel();
    }
  }

  async function runGate(step: string, gate: RolloutGate | 'preflight-health', workflowType: string, childInput: unknown): Promise<GateRecord> {
    const childId = trafficLockChildId(workflowId, `${step}-${gate}`);
    const t0 = Date.now();
    let record: GateRecord;
    try {
      const result = await untilStopped(() =>
        executeChild<(i: unknown) => Promise<DrillVerdict>>(workflowType, {
          workflowId: childId,
          args: [childInput],
          staticSummary: `${gate} gate before step **${step}** of rollout ${workflowId}`,
          // A drill that changes traffic must finish its own restore before the rollout restores.
          cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
          parentClosePolicy: 'REQUEST_CANCEL',
        }),
      );
      const seconds = (Date.now() - t0) / 1000;
      record = { step, gate, workflowType, workflowId: childId, status: result.verdict === 'PASS' ? 'passed' : 'failed', seconds, detail: gateDetail(result, seconds) };
    } catch (err) {
      if (err instanceof RolloutStop) throw err;
      if (!(err instanceof ChildWorkflowFailure) && !(err instanceof Error && err.name === 'WorkflowExecutionAlreadyStartedError')) throw err;
      record = { step, gate, workflowType, workflowId: childId, status: 'failed', seconds: (Date.now() - t0) / 1000, detail: causeMessage(err) };
    }
    state.gates.push(record);
    note('gate', `${gate}: ${record.status.toUpperCase()} (${record.detail})`);
    return record;
  }

  async function preflight(): Promise<void> {
    setPhase('preflight', '**Pre-flight**: health and candidates');
    note('started', `${plan.steps.length} steps (${plan.steps.map((s) => `${s.name} ${s.percent}%`).join(', ')})`, input.initiator);
    const guard = productionGuardProblem({ environment: input.environment, production: input.production, changesTraffic: true, confirmation: input.confirmation, requestedBy: input.initiator, approvers: input.productionApprovers });
    if (guard) throw new RolloutStop(`${guard}; nothing was changed`, 'rollout');
    if (input.preflightHealth) {
      const health = await runGate('preflight', 'preflight-health', input.preflightHealth.workflowType, input.preflightHealth.input);
      if (health.status !== 'passed') throw new RolloutStop(`pre-flight health failed: ${health.detail}`, 'rollout');
    }
    const described = await Promise.all(
      input.services.map(async (s) => {
        const d = await acts.describeCloudRunService.executeWithOptions({ ...readOptions, summary: `read ${s.service}: traffic, status, revisions` }, [{ cloudRun: input.cloudRun, service: s.service }]);
        return { role: s.role, service: s.service, snapshot: d.snapshot, revisions: d.revisions, probe: s.probe };
      }),
    );
    const unsettled = described.find((d) => !trafficSettled(d.snapshot));
    if (unsettled) throw new RolloutStop(`service ${unsettled.service} has a traffic change in progress (generation ${unsettled.snapshot.generation}, observed ${unsettled.snapshot.observedGeneration}); wait for it and start again`, 'rollout');
    try {
      state.services = resolveRolloutServices(described, plan.candidates, plan.finish);
    } catch (err) {
      if (err instanceof RolloutPreflightError) throw new RolloutStop(`pre-flight: ${err.message}`, 'rollout');
      throw err;
    }
    for (const s of state.services) state.traffic[s.role] = s.original;
    note('preflight', state.services.map((s) => `${s.service}: stable ${s.stable} -> candidate ${s.candidate} (${s.candidateReason})`).join('; '));
    state.stepIndex = 0;
    state.phase = 'gates';
  }

  async function runGates(step: RolloutStep, index: number): Promise<void> {
    for (const gate of step.gates) {
      if (state.gates.some((g) => g.step === step.name && g.gate === gate && g.status === 'passed')) continue;
      checkStop();
      const launch = input.gates[gate];
      if (!launch) throw new RolloutStop(`gate ${gate} of step ${step.name} has no drill input (the environment has no section for it)`, 'rollout');
      showDetails(`Step **${step.name}**: running the **${gate}** gate`);
      let childInput = launch.input;
      if (gate === 'rollback') {
        // With candidate traffic from the step before, the drill rolls back to the stable
        // revisions and restores the split; before that, nothing but stable serves, and the drill
        // picks its own target (the revision before stable), proving the rollback path itself.
        const candidateServes = (plan.steps[index - 1]?.percent ?? 0) > 0;
        const targets = candidateServes ? Object.fromEntries(state.services.map((s) => [s.role, s.stable])) : {};
        // The child acts under the rollout's authority: the initiator who passed the rollout's own
        // production guard (a made-up "carol (rollout ...)" is on no approver list).
        childInput = { ...(launch.input as object), mode: 'apply', targets, requestedBy: input.initiator, ...(input.confirmation ? { confirmation: input.confirmation } : {}) };
      }
      const record = await runGate(step.name, gate, launch.workflowType, childInput);
      if (record.status !== 'passed') throw new RolloutStop(`gate ${gate} failed before step ${step.name}: ${record.detail}`, 'rollout');
    }
  }

  async function awaitApproval(step: RolloutStep): Promise<void> {
    const approvedFor = (): boolean => state.approvals.some((a) => a.step === step.name && a.decision === 'approved');
    if (!step.approval.required) {
      if (!state.approvals.some((a) => a.step === step.name)) state.approvals.push({ step: step.name, decision: 'not-required', at: nowIso() });
      return;
    }
    if (approvedFor()) return;
    const who = step.approval.approvers.length ? step.approval.approvers.join(', ') : `anyone${step.approval.allowInitiator ? '' : ` but ${input.initiator}`}`;
    const command = `drillctl rollout approve ${workflowId} --step ${step.name} --reason "..."`;
    const timeoutMs = step.approval.timeout ? durationMs(step.approval.timeout) : undefined;
    const waitText = `Step **${step.name}** (${step.percent} %) **waits for approval** by ${who}${timeoutMs !== undefined ? ` within ${formatDuration(timeoutMs)} (then ${step.approval.onTimeout})` : ''}`;
    setPhase('awaiting-approval', waitText, [`Approve: \`${command}\``, `Reject: \`drillctl rollout reject ${workflowId} --step ${step.name} --reason "..."\``]);
    note('awaiting-approval', `approvers: ${who}${timeoutMs !== undefined ? `; timeout ${formatDuration(timeoutMs)}, then ${step.approval.onTimeout}` : ''}`);
    await notify('awaiting-approval', `Step ${step.name} (${step.percent} % to the candidate) waits for approval by ${who}. Approve with: ${command}`);
    const decided = (): boolean => !!state.abortReason || approvedFor();
    const inTime = timeoutMs === undefined ? (await condition(decided), true) : await condition(decided, timeoutMs, { summary: `approval of step ${step.name} times out` });
    checkStop();
    if (inTime) return;
    state.approvals.push({ step: step.name, decision: 'timed-out', at: nowIso() });
    note('approval-timeout', `no decision within ${formatDuration(timeoutMs!)}; the plan says ${step.approval.onTimeout}`);
    if (step.approval.onTimeout === 'abort') throw new RolloutStop(`approval of step ${step.name} timed out after ${formatDuration(timeoutMs!)}; the plan says abort`, 'rollout');
    showDetails(`Step **${step.name}**: approval timed out; **holding** at the current traffic until someone approves or aborts`, [`Approve: \`${command}\``, `Abort: \`drillctl rollout abort ${workflowId} --reason "..."\``]);
    await notify('approval-timeout', `No decision on step ${step.name} within ${formatDuration(timeoutMs!)}; holding at the current traffic. Approve with: ${command}, or abort.`);
    await condition(decided);
    checkStop();
  }

  async function holdWhilePaused(what: string): Promise<void> {
    if (!state.paused) return;
    showDetails(`**Paused** by ${state.pausedBy}; ${what} waits`, [`Resume: \`drillctl rollout resume ${workflowId}\``]);
    await condition(() => !state.paused || !!state.abortReason);
    checkStop();
  }

  async function shift(step: RolloutStep, tag: string | undefined, rec: StepRecord): Promise<void> {
    setPhase('shifting', `Step **${step.name}**: shifting every service to ${step.percent} % on the candidate`);
    // Compensation is registered before the first mutation: from here on an abort restores.
    if (state.compensation === 'not-needed') state.compensation = 'armed';
    for (const s of state.services) {
      const to = stepAllocation(s, step.percent, tag);
      // Started shifts finish before any restore runs, or the two could race on the service.
      const out = await CancellationScope.nonCancellable(() =>
        acts.shiftTraffic.executeWithOptions({ ...changeOptions, summary: `step ${step.name}: ${s.service} to ${describeAllocation(to)}` }, [
          { cloudRun: input.cloudRun, service: s.service, from: state.traffic[s.role]!, to, settleTimeoutMs },
        ]),
      );
      state.traffic[s.role] = out.snapshot.traffic;
      const uri = tag ? out.snapshot.trafficStatuses.find((t) => t.tag === tag)?.uri : undefined;
      if (uri) rec.tagUrls[s.role] = uri;
    }
    // The control plane says done; the data plane must agree before the cohort is told anything.
    const deadlineMs = Date.now() + settleTimeoutMs;
    const probe = (s: RolloutService, url: string, expected: string[], what: string) => ({
      what,
      summary: `${expected.join(' or ')} serving at ${url}`,
      request: rolloutServingProbe(s, url, expected, { cloudRun: input.cloudRun, allocation: state.traffic[s.role]! }, { ...input.traffic, deadlineMs }),
    });
    const probes = state.services.flatMap((s) => [
      probe(s, s.url, servingRevisionsAt(s, step.percent), `step ${step.name}: ${s.service}`),
      ...(rec.tagUrls[s.role] ? [probe(s, rec.tagUrls[s.role]!, [s.candidate], `step ${step.name}: ${s.service} tag ${tag}`)] : []),
    ]);
    // One activity for every probe of the step; histories recorded before ran one per URL.
    if (patched('rollout-one-probe-activity')) {
      await acts.probeServingRevisions.executeWithOptions({ ...probeOptions, summary: `step ${step.name}: ${probes.map((p) => p.summary).join('; ')}` }, [probes.map((p) => p.request)]);
    } else {
      await Promise.all(probes.map((p) => acts.probeServingRevision.executeWithOptions({ ...probeOptions, summary: `${p.what}: ${p.summary}` }, [p.request])));
    }
    rec.shiftedAt = nowIso();
    note('shifted', state.services.map((s) => `${s.service}: ${describeAllocation(state.traffic[s.role]!)}`).join('; '));
  }

  async function applyHooks(step: RolloutStep): Promise<void> {
    if (step.hooks.length === 0) return;
    setPhase('hooks', `Step **${step.name}**: cohort hooks`);
    for (const hook of step.hooks) {
      checkStop();
      // Registered as applied before it runs: a hook that half-ran is undone too (undos are idempotent).
      if (!state.hooksApplied.some((h) => h.step === step.name && h.name === hook.name)) state.hooksApplied.push({ step: step.name, name: hook.name });
      const out = await acts.runCohortHook.executeWithOptions({ ...hookOptions, summary: `cohort hook ${hook.name}: do` }, [
        { workflowId, environment: input.environment, step: step.name, hook: hook.name, params: hook.params, direction: 'do', idempotencyKey: `${workflowId}/${step.name}/${hook.name}/do` },
      ]);
      note('hook', `${hook.name} applied: ${out.detail}`);
    }
  }

  async function bake(step: RolloutStep, tag: string | undefined, rec: StepRecord): Promise<void> {
    if (state.phase !== 'baking') {
      setPhase('baking');
      rec.bakeStartedAt = nowIso();
      note('bake-started', `${formatDuration(rec.bakeMs)}${step.analysis ? `, analysis every ${step.analysis.interval}, stop after ${step.analysis.stopAfter} failing` : ''}`);
    }
    bakeClockMs = Date.now();
    const analysis = step.analysis ? { ...analysisRequest(step.analysis, state.services, rec.tagUrls, tag), environment: input.environment } : undefined;
    const intervalMs = step.analysis ? durationMs(step.analysis.interval) : Infinity;
    const stopAfterMs = step.analysis ? durationMs(step.analysis.stopAfter) : Infinity;
    // Carried across continue-as-new, so a new run does not take a reading the interval has not reached.
    let nextReadingAtMs = rec.nextReadingAtMs ?? Date.now();
    for (;;) {
      checkStop();
      accountBake();
      if (analysis && Date.now() >= nextReadingAtMs) {
        const readings = await acts.readAnalysis.executeWithOptions({ ...analysisOptions, summary: `analysis of step ${step.name}, reading ${rec.readings + 1}` }, [analysis]);
        const verdicts = evaluateReadings(analysis, readings);
        const outcome = applyStopRule(state.checks, verdicts, Date.now(), stopAfterMs);
        state.checks = outcome.checks;
        rec.readings++;
        if (verdicts.some((v) => !v.ok)) rec.failedReadings++;
        for (const c of outcome.changes) note(c.event, `${c.check}: ${c.detail}`);
        if (outcome.stop) {
          requestStop(`analysis of step ${step.name}: ${outcome.stop.check} failing for ${formatDuration(outcome.stop.failingForMs)} (stop rule: ${step.analysis!.stopAfter}): ${outcome.stop.detail}`, 'rollout');
        }
        nextReadingAtMs = Date.now() + intervalMs;
        rec.nextReadingAtMs = nextReadingAtMs;
        checkStop();
        accountBake();
      }
      const progress = { bakeMs: rec.bakeMs, bakedMs: rec.bakedMs, skipped: !!rec.bakeSkipped };
      const decision = stepMayProceed({ requiredGates: [], gates: [], approvalRequired: false, bake: progress, failing: failingChecks(state.checks), paused: state.paused });
      if (decision.proceed) break;
      const remainingMs = bakeRemainingMs(progress);
      const headline = state.paused ? `**Paused** by ${state.pausedBy}: step **${step.name}** bake holds at ${bakeText(rec.bakedMs, rec.bakeMs)}` : `Step **${step.name}** baking: ${bakeText(rec.bakedMs, rec.bakeMs)}; waiting for ${decision.waitingFor}`;
      showDetails(headline, [`Skip: \`drillctl rollout skip-bake ${workflowId} --reason "..."\``, `Pause: \`drillctl rollout pause ${workflowId}\``], true);
      const waits = [analysis ? nextReadingAtMs - Date.now() : Infinity, !state.paused && remainingMs > 0 ? remainingMs : Infinity];
      const waitMs = Math.max(1, Math.min(...waits));
      const seen = wake;
      const woken = (): boolean => wake !== seen || !!state.abortReason;
      if (waitMs === Infinity) await condition(woken);
      else await condition(woken, waitMs, { summary: `bake of step ${step.name}` });
      if (historyTooLong()) {
        accountBake();
        await carryOn(`during the bake of step ${step.name}`);
      }
    }
    accountBake();
    rec.checks = Object.values(state.checks);
    state.checks = {};
  }

  const historyTooLong = (): boolean => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= canAfterEvents;

  /** Continues as a new run with the whole state, so history stays bounded and the audit trail whole. */
  async function carryOn(where: string): Promise<never> {
    note('continued-as-new', `${where}: history at ${workflowInfo().historyLength} events; run ${state.runs + 1} carries the state and audit trail`);
    state.runs++;
    await condition(allHandlersFinished);
    return continueAsNew<typeof stagedRollout>({ ...input, carried: state });
  }

  async function runStep(): Promise<void> {
    const i = state.stepIndex;
    const step = plan.steps[i]!;
    const tag = tags[i];
    if (state.steps.length <= i) {
      const bakeMs = durationMs(step.bake);
      state.steps.push({ name: step.name, percent: step.percent, ...(tag ? { tag } : {}), startedAt: nowIso(), plannedBakeMs: bakeMs, bakeMs, bakedMs: 0, bakeChanges: [], readings: 0, failedReadings: 0, checks: [], tagUrls: {} });
    }
    state.currentStep = step.name;
    const rec = state.steps[i]!;
    if (state.phase === 'gates') {
      setPhase('gates', `Step **${step.name}** (${step.percent} %): gates ${step.gates.join(', ') || '(none)'}`);
      await runGates(step, i);
      state.phase = 'awaiting-approval';
    }
    if (state.phase === 'awaiting-approval') {
      checkStop();
      await awaitApproval(step);
      state.phase = 'shifting';
    }
    if (state.phase === 'shifting') {
      await holdWhilePaused(`the shift of step ${step.name}`);
      checkStop();
      await shift(step, tag, rec);
      state.phase = 'hooks';
    }
    if (state.phase === 'hooks') await applyHooks(step);
    await bake(step, tag, rec);
    rec.completedAt = nowIso();
    note('step-completed', `${step.percent} % for ${formatDuration(rec.bakedMs)}${rec.readings ? `, ${rec.readings} reading(s), ${rec.failedReadings} with a failing check` : ''}`);
  }

  async function finish(): Promise<void> {
    const lastTag = tags[tags.length - 1];
    setPhase('finishing', `All steps done: finishing (${plan.finish.traffic === 'latest' ? 'traffic follows LATEST' : 'traffic stays pinned to the candidates'})`);
    const problems: string[] = [];
    for (const s of state.services) {
      const to = finishAllocation(s, plan.finish, lastTag);
      if (allocationsEqual(state.traffic[s.role]!, to)) continue;
      try {
        const out = await CancellationScope.nonCancellable(() =>
          acts.shiftTraffic.executeWithOptions({ ...changeOptions, summary: `finish: ${s.service} to ${describeAllocation(to)}` }, [{ cloudRun: input.cloudRun, service: s.service, from: state.traffic[s.role]!, to, settleTimeoutMs }]),
        );
        state.traffic[s.role] = out.snapshot.traffic;
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        // The candidate already serves 100 %, pinned: safe to leave as it is, and say so.
        problems.push(`${s.service} stays pinned to ${s.candidate}: ${causeMessage(err)}`);
      }
    }
    state.compensation = 'released';
    state.currentStep = undefined;
    setPhase('completed', `Rollout **finished**: every service on its candidate.`);
    upsertSearchAttributes([{ key: DrillOutcome, value: 'PASS' }]);
    const summary = state.services.map((s) => `${s.service}: ${describeAllocation(state.traffic[s.role]!)}`).join('; ');
    note('finished', `${summary}${problems.length ? `; ${problems.join('; ')}` : ''}`);
    await notify('finished', `Every service serves its candidate (${summary}).${problems.length ? ` Note: ${problems.join('; ')}` : ''}`);
  }

  /** Retries one compensation action until it succeeds, loudly: its failure is never swallowed. */
  const untilDone = <T>(what: string, action: () => Promise<T>): Promise<T> =>
    restoreUntilDone(what, action, {
      failed: async (attempt, message) => {
        state.compensation = 'stuck';
        recordCompensationStuck(input, true);
        state.compensationDetail = `${what}: attempt ${attempt} failed: ${message}`;
        log.error(`ROLLOUT COMPENSATION FAILING: ${state.compensationDetail}; retrying until it succeeds`, { workflowId });
        upsertSearchAttributes([{ key: DrillOutcome, value: 'COMPENSATION_STUCK' }]);
        showDetails(`**COMPENSATION FAILING**: ${state.compensationDetail}. Retrying until it succeeds; fix the cause (permissions, the hook's endpoint) and it will complete.`);
        note('compensation', state.compensationDetail);
        if (attempt === 1) await notify('compensation-stuck', `${state.compensationDetail}. It is retried until it succeeds; fix the cause.`);
      },
      recovered: () => {
        state.compensation = 'running';
        recordCompensationStuck(input, false);
      },
    });

  async function compensate(): Promise<void> {
    const reason = state.abortReason ?? 'aborted';
    setPhase('compensating', `**Aborting**: ${reason}. Restoring stable traffic on every service and undoing cohort hooks.`);
    note('aborted', reason, state.abortedBy);
    const touched = state.compensation !== 'not-needed' || state.hooksApplied.length > 0;
    await notify('aborted', `${reason}. ${touched ? 'Restoring stable traffic on every service and undoing the cohort hooks.' : 'Nothing had changed yet.'}`);
    if (!touched) {
      setPhase('aborted', `Rollout **aborted** before any change: ${reason}`);
      return;
    }
    state.compensation = 'running';
    // Traffic first: users back on the stable revisions is what protects them; then the cohort
    // switches, newest first, each undone even if its `do` only half ran.
    for (const s of [...state.services].reverse()) {
      const out = await untilDone(`restore ${s.service} to ${describeAllocation(s.original)}`, () =>
        acts.restoreTraffic.executeWithOptions({ ...changeOptions, retry: { ...changeOptions.retry, maximumAttempts: 3 }, summary: `compensate: restore ${s.service} to ${describeAllocation(s.original)}` }, [
          { cloudRun: input.cloudRun, service: s.service, allocation: s.original, settleTimeoutMs },
        ]),
      );
      state.traffic[s.role] = out.snapshot.traffic;
    }
    const seen = await Promise.allSettled(
      state.services.map((s) =>
        acts.probeServingRevision.executeWithOptions({ ...probeOptions, summary: `compensate: ${s.stable} serving ${s.service}` }, [
          rolloutServingProbe(s, s.url, [s.stable], { cloudRun: input.cloudRun, allocation: s.original }, { ...input.traffic, deadlineMs: Date.now() + settleTimeoutMs }),
        ]),
      ),
    );
    const unseen = seen.flatMap((r, i) => (r.status === 'rejected' ? [`${state.services[i]!.service}: ${causeMessage(r.reason)}`] : []));
    note('compensation', `traffic restored on every service${unseen.length ? `; the data plane did not confirm: ${unseen.join('; ')}` : ', stable revisions confirmed serving'}`);
    for (const applied of [...state.hooksApplied].reverse()) {
      const hook = plan.steps.find((s) => s.name === applied.step)?.hooks.find((h) => h.name === applied.name);
      if (!hook) continue;
      const out = await untilDone(`undo cohort hook ${hook.name}`, () =>
        acts.runCohortHook.executeWithOptions({ ...hookOptions, retry: { initialInterval: '2s', maximumAttempts: 3 }, summary: `compensate: cohort hook ${hook.name}: undo` }, [
          { workflowId, environment: input.environment, step: applied.step, hook: hook.name, params: hook.params, direction: 'undo', idempotencyKey: `${workflowId}/${applied.step}/${hook.name}/undo` },
        ]),
      );
      note('hook', `${hook.name} undone: ${out.detail}`);
    }
    state.compensation = 'done';
    state.compensationDetail = undefined;
    setPhase('aborted', `Rollout **aborted**: ${reason}. Stable traffic restored on every service; cohort hooks undone.`);
    note('compensated', state.services.map((s) => `${s.service}: ${describeAllocation(state.traffic[s.role]!)}`).join('; '));
    await notify('compensated', `Stable traffic restored on every service (${state.services.map((s) => `${s.service} on ${s.stable}`).join(', ')}); ${state.hooksApplied.length} cohort hook(s) undone. Cause: ${reason}`);
  }

  const result = (outcome: RolloutOutcome): RolloutResult => {
    const finishedAt = nowIso();
    return { ...status(), outcome, verdict: outcome === 'promoted' ? 'PASS' : 'FAIL', finishedAt, totalSeconds: (Date.parse(finishedAt) - Date.parse(state.startedAt)) / 1000, plan };
  };

  try {
    if (state.phase === 'preflight') await preflight();
    while (state.stepIndex < plan.steps.length) {
      await runStep();
      state.stepIndex++;
      if (state.stepIndex < plan.steps.length) {
        state.phase = 'gates';
        if (historyTooLong()) await carryOn(`after step ${plan.steps[state.stepIndex - 1]!.name}`);
      }
    }
    await finish();
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    // Everything that ends a rollout early lands here: a stop (rejection, abort, timeout, analysis,
    // failed gate), a failed traffic change or hook, or the cancellation of the workflow itself.
    const cancelled = isCancellation(err);
    if (err instanceof RolloutStop) requestStop(err.reason, err.by);
    else {
      requestStop(cancelled ? 'the rollout workflow was cancelled' : `step ${state.currentStep ?? 'pre-flight'} failed: ${causeMessage(err)}`, 'rollout');
      if (!cancelled) log.error('rollout failed; compensating', { error: causeMessage(err) });
    }
    await CancellationScope.nonCancellable(() => compensate());
    upsertSearchAttributes([{ key: DrillOutcome, value: 'FAIL' }]);
    if (cancelled) throw err;
    throw ApplicationFailure.create({
      type: ROLLOUT_ABORTED,
      message: `rollout of ${input.group} in ${input.environment} aborted: ${state.abortReason}; ${state.compensation === 'done' ? 'stable traffic restored on every service' : 'nothing had changed'}`,
      nonRetryable: true,
      details: [result('aborted')],
    });
  }
  return result('promoted');
}
