import { includesPrincipal, samePrincipal, type DecisionProof } from '../decision-signature';
import { DURATION_CAPS_MS } from '../duration-limits';
import { durationMs, formatDuration, isDuration } from './duration';
import type { ApprovalPolicy } from './plan-schema';
import type { RolloutPhase } from './records';

/**
 * The rules behind every rollout control, used by the workflow's synchronous Update validators and
 * by their signal twins (the Web UI), so both paths refuse the same things with the same words. Each
 * function returns the reason to refuse, or undefined when the request is acceptable.
 */

export interface ApprovalRequest extends DecisionProof {
  step: string;
  approver: string;
  reason: string;
  ticket?: string;
}

export interface AbortRequest extends DecisionProof {
  by: string;
  reason: string;
}

export interface PauseRequest extends DecisionProof {
  by: string;
  reason?: string;
}

export interface SkipBakeRequest extends DecisionProof {
  by: string;
  reason: string;
  /** The step the person means; refused when the rollout has moved on. */
  step?: string;
}

export interface SetBakeRequest extends DecisionProof {
  by: string;
  /** New total bake of the current step (`30m`, `2h`); time already baked counts towards it. */
  bake: string;
  reason: string;
  step?: string;
}

/** Start the current step's traffic changes although a change window is closed (or a freeze holds): always signed. */
export interface WindowOverrideRequest extends DecisionProof {
  by: string;
  reason: string;
  /** The step the person means; refused when the rollout has moved on. */
  step?: string;
}

/** What the controls need to know about the rollout right now. */
export interface ControlContext {
  phase: RolloutPhase;
  currentStep?: string;
  policy?: ApprovalPolicy;
  initiator: string;
  paused: boolean;
  /** Why the rollout is over or being undone, when it is. */
  endReason?: string;
  /**
   * Set while a signed request is validated: who sent it is known only once the worker has
   * verified the signature, so the identity checks wait for the verified principal.
   */
  identityPending?: boolean;
  /** What a closed change window holds, while it does. */
  windowWait?: string;
}

const ENDED: ReadonlySet<RolloutPhase> = new Set(['compensating', 'completed', 'aborted']);

function ended(ctx: ControlContext): string | undefined {
  if (ctx.phase === 'completed') return 'the rollout has finished';
  if (ENDED.has(ctx.phase)) return `the rollout was aborted${ctx.endReason ? ` (${ctx.endReason})` : ''}; nothing can change it any more`;
  return undefined;
}

function identity(who: string | undefined, flag: string): string | undefined {
  return who?.trim() ? undefined : `${flag} is required: say who you are (--as NAME)`;
}

function namedStep(step: string | undefined): string | undefined {
  return step?.trim() ? undefined : 'step is required: name the step you decide on (--step NAME)';
}

function wrongStep(requested: string | undefined, ctx: ControlContext): string | undefined {
  if (requested === undefined || requested === ctx.currentStep) return undefined;
  return `step "${requested}" is not the current step; the rollout is at step "${ctx.currentStep ?? '(none yet)'}"`;
}

/** May `who` decide for the current step: the allow-list, else anyone but (unless allowed) the initiator. */
function mayDecide(who: string, ctx: ControlContext, what: string): string | undefined {
  const policy = ctx.policy;
  if (ctx.identityPending) return undefined;
  if (samePrincipal(who, ctx.initiator) && !policy?.allowInitiator) return `${who} started this rollout and may not ${what}; ask another approver`;
  if (policy && policy.approvers.length > 0 && !includesPrincipal(policy.approvers, who)) return `${who} may not ${what}; allowed: ${policy.approvers.join(', ')}`;
  return undefined;
}

export function approvalRefusal(req: ApprovalRequest, ctx: ControlContext): string | undefined {
  return (
    ended(ctx) ??
    identity(req.approver, 'approver') ??
    (req.reason?.trim() ? undefined : 'a reason is required: say why this step may proceed (--reason "...")') ??
    namedStep(req.step) ??
    wrongStep(req.step, ctx) ??
    (ctx.phase === 'awaiting-approval' ? undefined : `step "${ctx.currentStep}" is not waiting for approval (it is ${ctx.phase})`) ??
    mayDecide(req.approver, ctx, `approve step "${ctx.currentStep}"`)
  );
}

/** Saying no is always the safe direction: the initiator may reject too. */
export function rejectionRefusal(req: ApprovalRequest, ctx: ControlContext): string | undefined {
  const approvers = ctx.policy?.approvers ?? [];
  return (
    ended(ctx) ??
    identity(req.approver, 'approver') ??
    (req.reason?.trim() ? undefined : 'a reason is required: say why this step must not proceed (--reason "...")') ??
    namedStep(req.step) ??
    wrongStep(req.step, ctx) ??
    (ctx.phase === 'awaiting-approval' ? undefined : `step "${ctx.currentStep}" is not waiting for approval (it is ${ctx.phase}); use abort to stop the rollout`) ??
    (!ctx.identityPending && approvers.length > 0 && !includesPrincipal(approvers, req.approver) && !samePrincipal(req.approver, ctx.initiator) ? `${req.approver} may not reject step "${ctx.currentStep}"; allowed: ${approvers.join(', ')} or the initiator` : undefined)
  );
}

export function abortRefusal(req: AbortRequest, ctx: ControlContext): string | undefined {
  return ended(ctx) ?? identity(req.by, 'by') ?? (req.reason?.trim() ? undefined : 'a reason is required: say why the rollout must stop (--reason "...")');
}

export function pauseRefusal(req: PauseRequest, ctx: ControlContext): string | undefined {
  return ended(ctx) ?? identity(req.by, 'by') ?? (ctx.paused ? 'the rollout is already paused' : undefined);
}

export function resumeRefusal(req: PauseRequest, ctx: ControlContext): string | undefined {
  return ended(ctx) ?? identity(req.by, 'by') ?? (ctx.paused ? undefined : 'the rollout is not paused');
}

export function skipBakeRefusal(req: SkipBakeRequest, ctx: ControlContext): string | undefined {
  return (
    ended(ctx) ??
    identity(req.by, 'by') ??
    (req.reason?.trim() ? undefined : 'a reason is required to skip a bake (--reason "...")') ??
    wrongStep(req.step, ctx) ??
    (ctx.phase === 'baking' ? undefined : `step "${ctx.currentStep}" is not baking (it is ${ctx.phase})`) ??
    mayDecide(req.by, ctx, `skip the bake of step "${ctx.currentStep}"`)
  );
}

const BEFORE_BAKE_ENDS: ReadonlySet<RolloutPhase> = new Set(['gates', 'awaiting-approval', 'shifting', 'hooks', 'baking']);

export function setBakeRefusal(req: SetBakeRequest, ctx: ControlContext): string | undefined {
  return (
    ended(ctx) ??
    identity(req.by, 'by') ??
    (isDuration(req.bake ?? '') ? undefined : `bake "${req.bake}" is not a duration like 90s, 5m, 24h or 2d`) ??
    (durationMs(req.bake) <= DURATION_CAPS_MS.workflowWait ? undefined : `bake "${req.bake}" is longer than the ${formatDuration(DURATION_CAPS_MS.workflowWait)} a bake may last`) ??
    (req.reason?.trim() ? undefined : 'a reason is required to change a bake (--reason "...")') ??
    wrongStep(req.step, ctx) ??
    (BEFORE_BAKE_ENDS.has(ctx.phase) ? undefined : `step "${ctx.currentStep ?? ''}" has no bake left to change (it is ${ctx.phase})`) ??
    mayDecide(req.by, ctx, `change the bake of step "${ctx.currentStep}"`)
  );
}

/**
 * Only a signed decision overrides a change window, in every environment: a freeze is the
 * organisation's word, and whoever sets it aside must be known by their key, not a typed name.
 */
export function windowOverrideRefusal(req: WindowOverrideRequest, ctx: ControlContext): string | undefined {
  return (
    ended(ctx) ??
    identity(req.by, 'by') ??
    (req.reason?.trim() ? undefined : 'a reason is required to override a change window (--reason "...")') ??
    (req.signature ? undefined : 'an override of a change window must be signed: pass --key FILE (or set DRILLCTL_SIGNING_KEY); the Web UI cannot sign') ??
    wrongStep(req.step, ctx) ??
    (ctx.windowWait ? undefined : `step "${ctx.currentStep ?? ''}" is not waiting for a change window (it is ${ctx.phase})`) ??
    mayDecide(req.by, ctx, `override the change window for step "${ctx.currentStep}"`)
  );
}
