import { ActivityFailure, patched, proxyActivities, setCurrentDetails, upsertSearchAttributes, workflowInfo, type ActivityInterfaceFor } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { ControlContext } from '../../domain/rollout/controls';
import { renderCurrentDetails } from '../../domain/rollout/details';
import type { RolloutNotice } from '../../domain/rollout/notification';
import type { RolloutPlan, RolloutStep } from '../../domain/rollout/plan-schema';
import { effectiveTags } from '../../domain/rollout/step-tags';
import type { RolloutPhase, TimelineEntry, TimelineEvent } from '../../domain/rollout/records';
import { DrillStep } from '../../temporal/search-attributes';
import type { RolloutInput, RolloutOutcome, RolloutResult, RolloutState, RolloutStatus, StepRecord } from '../../contracts/rollout';
import { challengeFor, newNonce } from '../decisions';
import { recordRolloutPhase } from '../metrics';
import { causeMessage } from '../plumbing/cause-message';
import { rolloutActivityOptions, type RolloutActivityOptions } from './activity-options';

/** Runs recorded before it upserted DrillStep on every phase, changed or not. */
export const SKIP_UNCHANGED_STEP_PATCH = 'rollout-skip-unchanged-step-attribute';

/** Timeline entries kept in the carried state; the oldest go first (counted in timelineDropped). */
const MAX_TIMELINE = 500;

/** Ends a rollout early: a rejection, an abort, a timeout with abort, a failed gate or a failed analysis. */
export class RolloutStop extends Error {
  constructor(
    readonly reason: string,
    readonly by: string,
  ) {
    super(reason);
    this.name = 'RolloutStop';
  }
}

export function nowIso(): string {
  return new Date().toISOString();
}

export function initialState(input: Pick<RolloutInput, 'environment' | 'group' | 'initiator'>, workflowId: string): RolloutState {
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
 * One run of a staged rollout: the state it carries (across continue-as-new too) and what every
 * concern shares: the timeline, the phase, the Web UI details, notifications and the stop request.
 * The concerns (controls, gates, approval, shift, bake, compensation) are functions of a run, one
 * file each.
 */
export class RolloutRun {
  readonly workflowId: string;
  readonly plan: RolloutPlan;
  /** The tag each step's candidate is reachable under (a step without its own inherits the last). */
  readonly tags: (string | undefined)[];
  readonly state: RolloutState;
  readonly options: RolloutActivityOptions;
  readonly acts: ActivityInterfaceFor<Activities>;
  readonly settleTimeoutMs: number;
  /** Bumped by every control, so waits wake up and re-decide. */
  wake = 0;
  /** Workflow time the bake was last accounted up to (not carried: a new run starts counting afresh). */
  bakeClockMs = Date.now();
  /** The DrillStep search attribute as last set. */
  private shownStep: string | undefined;

  constructor(readonly input: RolloutInput) {
    this.workflowId = workflowInfo().workflowId;
    this.plan = input.plan;
    this.tags = effectiveTags(this.plan.steps);
    this.state = input.carried ?? initialState(input, this.workflowId);
    // Decisions are signed over a nonce this workflow issues and replaces after each applied one.
    if (!this.state.decisionNonce) this.state.decisionNonce = newNonce();
    this.options = rolloutActivityOptions(input);
    this.acts = proxyActivities<Activities>(this.options.read);
    this.settleTimeoutMs = input.traffic.switchTimeoutSeconds * 1000;
  }

  planStep(): RolloutStep | undefined {
    return this.plan.steps[this.state.stepIndex];
  }

  stepRecord(): StepRecord | undefined {
    return this.state.steps[this.state.stepIndex];
  }

  note(event: TimelineEvent, detail: string, by?: string): TimelineEntry {
    const { state } = this;
    const entry: TimelineEntry = { at: nowIso(), event, ...(state.currentStep ? { step: state.currentStep } : {}), ...(by ? { by } : {}), detail };
    state.timeline.push(entry);
    if (state.timeline.length > MAX_TIMELINE) {
      state.timeline.splice(0, state.timeline.length - MAX_TIMELINE);
      state.timelineDropped++;
    }
    return entry;
  }

  /** Counts baked time up to now, unless paused (a paused bake holds its clock). */
  accountBake(): void {
    const now = Date.now();
    const rec = this.stepRecord();
    if (this.state.phase === 'baking' && !this.state.paused && rec) rec.bakedMs += now - this.bakeClockMs;
    this.bakeClockMs = now;
  }

  requestStop(reason: string, by: string): void {
    if (this.state.abortReason) return;
    this.state.abortReason = reason;
    this.state.abortedBy = by;
    this.wake++;
  }

  checkStop(): void {
    if (this.state.abortReason) throw new RolloutStop(this.state.abortReason, this.state.abortedBy ?? 'rollout');
  }

  /** What a control is checked against. */
  controlContext(): ControlContext {
    const { state } = this;
    return {
      // Once an abort is under way nothing else may change the rollout.
      phase: state.abortReason && state.phase !== 'completed' && state.phase !== 'aborted' ? 'compensating' : state.phase,
      currentStep: state.currentStep,
      policy: this.planStep()?.approval,
      initiator: this.input.initiator,
      paused: state.paused,
      endReason: state.abortReason,
      windowWait: state.changeWindow ? `${state.changeWindow.change}: ${state.changeWindow.detail}` : undefined,
    };
  }

  showDetails(headline: string, notes: string[] = [], withChecks = false): void {
    const { state, plan } = this;
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
  }

  setPhase(phase: RolloutPhase, headline?: string, notes: string[] = []): void {
    const { state } = this;
    recordRolloutPhase(this.input, state.phase, phase, state.stepIndex + 1);
    state.phase = phase;
    const where = phase === 'preflight' || phase === 'finishing' || phase === 'compensating' ? phase : phase === 'completed' || phase === 'aborted' ? 'done' : (state.currentStep ?? phase);
    // An unchanged value costs a history event per phase: about 80 of a 20-step plan's events
    // (bench: history-growth). Patched in after histories were recorded with the old behaviour.
    if (where !== this.shownStep || !patched(SKIP_UNCHANGED_STEP_PATCH)) upsertSearchAttributes([{ key: DrillStep, value: where }]);
    this.shownStep = where;
    if (headline) this.showDetails(headline, notes);
  }

  async notify(notice: RolloutNotice, text: string): Promise<void> {
    const { plan, state, input, workflowId } = this;
    if (!plan.notify) return;
    state.notifications++;
    const key = `${workflowId}#${state.notifications}:${notice}`;
    try {
      await this.acts.notifyRollout.executeWithOptions({ ...this.options.notify, summary: `notify: ${notice}` }, [
        { target: plan.notify.target, notification: { key, notice, environment: input.environment, group: input.group, workflowId, step: state.currentStep, text, webUiUrl: input.webUiUrl } },
      ]);
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      // A chat outage must not stop or undo a rollout; the miss is on the record.
      this.note('notification', `could not send the "${notice}" notification: ${causeMessage(err)}`);
    }
  }

  status(): RolloutStatus {
    const { state, plan } = this;
    return {
      ...state,
      stepCount: plan.steps.length,
      stepNames: plan.steps.map((s) => s.name),
      webUiUrl: this.input.webUiUrl,
      decision: challengeFor(state.currentStep, state.decisionNonce),
    };
  }

  result(outcome: RolloutOutcome): RolloutResult {
    const finishedAt = nowIso();
    return { ...this.status(), outcome, verdict: outcome === 'promoted' ? 'PASS' : 'FAIL', finishedAt, totalSeconds: (Date.parse(finishedAt) - Date.parse(this.state.startedAt)) / 1000, plan: this.plan };
  }
}
