import type { TrafficAllocation } from '../traffic/allocation';
import type { RolloutGate } from './plan-schema';
import type { RevisionIdentity } from '../traffic/revision-identity';

/** Where a rollout is; the controls accept or refuse by it. */
export type RolloutPhase =
  | 'preflight'
  | 'gates'
  | 'awaiting-approval'
  | 'shifting'
  | 'hooks'
  | 'baking'
  | 'finishing'
  | 'compensating'
  | 'completed'
  | 'aborted';

/** One service of the group, as pre-flight resolved it. */
export interface RolloutService {
  role: string;
  service: string;
  /** The one revision serving 100 % when the rollout started. */
  stable: string;
  candidate: string;
  candidateReason: string;
  /** The exact allocation found at pre-flight: what compensation restores. */
  original: TrafficAllocation;
  /** Service URL the probes ask (Cloud Run `uri`, or the config's probe URL). */
  url: string;
  probePath: string;
  /** How probes tell which revision answered; absent in runs recorded before strategies (then `revisionHeader`). */
  identity?: RevisionIdentity;
  /** The header strategy's header: the analysis attributes answers to revisions only with it. */
  revisionHeader?: string;
}

export type GateStatus = 'passed' | 'failed';

export interface GateRecord {
  step: string;
  gate: RolloutGate | 'preflight-health';
  workflowType: string;
  workflowId: string;
  status: GateStatus;
  seconds: number;
  detail: string;
}

export type ApprovalDecision = 'approved' | 'rejected' | 'timed-out' | 'not-required';

export interface ApprovalRecord {
  step: string;
  decision: ApprovalDecision;
  by?: string;
  reason?: string;
  ticket?: string;
  /** ISO time on workflow time. */
  at: string;
  /** `update` or `signal` (Web UI). */
  via?: 'update' | 'signal';
  /** `verified`: `by` is the principal whose key signed it; `unsigned`: `by` is only what was typed. */
  signature?: 'verified' | 'unsigned';
  /** `SHA256:...` of the signing key. */
  key?: string;
}

/** One check's verdict from one analysis reading. */
export interface CheckVerdict {
  check: string;
  ok: boolean;
  detail: string;
  /** The reading (the candidate's, for a check read per revision). */
  value?: number;
  /** Requests behind the candidate's value in the window, where the provider counts them. */
  samples?: number;
  /** The stable revision's value and requests over the same window (a comparison). */
  stable?: number;
  stableSamples?: number;
  /**
   * Too few requests to judge: never a pass. Says how the plan treats it: `hold` (the step waits,
   * no failing streak), `fail` (failing, the stop rule applies) or `abort` (stops at once).
   */
  notEnoughData?: 'hold' | 'fail' | 'abort';
}

/** The latest reading of a check during the current bake, and since when it has been failing. */
export interface CheckState extends CheckVerdict {
  readings: number;
  failures: number;
  /** ISO time the current failing streak began; absent while passing. */
  failingSince?: string;
  at: string;
}

export type TimelineEvent =
  | 'started'
  | 'preflight'
  | 'gate'
  | 'awaiting-approval'
  | 'approved'
  | 'rejected'
  | 'approval-timeout'
  | 'shifted'
  | 'hook'
  | 'bake-started'
  | 'check-failing'
  | 'check-not-enough-data'
  | 'check-recovered'
  | 'paused'
  | 'resumed'
  | 'bake-skipped'
  | 'bake-changed'
  | 'step-completed'
  | 'abort-requested'
  | 'aborted'
  | 'compensation'
  | 'compensated'
  | 'finished'
  | 'refused'
  | 'notification'
  | 'continued-as-new'
  | 'window-wait'
  | 'window-open'
  | 'window-overridden';

export interface TimelineEntry {
  at: string;
  event: TimelineEvent;
  step?: string;
  by?: string;
  detail: string;
}

/** A cohort hook whose `do` ran (or was about to run): compensation undoes it. */
export interface AppliedHook {
  step: string;
  name: string;
}

/** What holds the next traffic change: a freeze or the hours outside the allowed windows. */
export interface ChangeWindowWait {
  step: string;
  /** The change that waits: the step's shift, or its rollback gate (which moves traffic too). */
  change: string;
  /** ISO time the wait began. */
  since: string;
  cause: 'freeze' | 'outside-window';
  /** Why, naming the freeze or the windows, and the next opening. */
  detail: string;
  freeze?: { reason: string; from: string; until: string };
  nextOpeningAt?: string;
  nextOpeningLocal?: string;
}

/** A signed decision to start a step's traffic changes outside the change windows. */
export interface WindowOverrideRecord {
  step: string;
  /** The verified principal of the signature. */
  by: string;
  reason: string;
  /** `SHA256:...` of the signing key. */
  key?: string;
  at: string;
  /** What the override let through. */
  overrode: string;
}
