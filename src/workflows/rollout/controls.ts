import { setHandler } from '@temporalio/workflow';
import {
  abortRefusal,
  approvalRefusal,
  pauseRefusal,
  rejectionRefusal,
  resumeRefusal,
  setBakeRefusal,
  skipBakeRefusal,
  windowOverrideRefusal,
  type AbortRequest,
  type ApprovalRequest,
  type PauseRequest,
  type SetBakeRequest,
  type SkipBakeRequest,
  type WindowOverrideRequest,
} from '../../domain/rollout/controls';
import { describeIdentity, type DecisionIdentity, type DecisionKind } from '../../domain/decision-signature';
import { durationMs, formatDuration } from '../../domain/rollout/duration';
import { bakeRemainingMs } from '../../domain/rollout/progress';
import type { ApprovalRecord } from '../../domain/rollout/records';
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
  rolloutStatusQuery,
  setBakeSignal,
  setBakeUpdate,
  skipBakeSignal,
  skipBakeUpdate,
  overrideWindowSignal,
  overrideWindowUpdate,
} from '../../contracts/rollout';
import { applyWindowOverride } from './change-window';
import { nowIso, type RolloutRun } from './run';
import { registerControl, type ControlSpec } from './signed-control';

/** How the author reads in the timeline: the verified principal, or the typed name marked unsigned. */
const author = (typed: string, identity?: DecisionIdentity): string => (identity ? describeIdentity(identity) : typed);

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

function decide(run: RolloutRun, decision: 'approved' | 'rejected', req: ApprovalRequest, via: 'update' | 'signal', identity?: DecisionIdentity): ApprovalRecord {
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
  run.state.approvals.push(record);
  run.note(decision, `${req.reason}${req.ticket ? ` (ticket ${req.ticket})` : ''}`, by);
  if (decision === 'rejected') run.requestStop(`step ${req.step} rejected by ${by}: ${req.reason}`, by);
  run.wake++;
  return record;
}

/** Every control of a rollout (approve, reject, pause, resume, abort, skip-bake, set-bake, override-window) and the status query. */
export function registerControls(run: RolloutRun): void {
  const { state } = run;
  registerControl(run, approveUpdate, approveSignal, approvalRefusal, approvalSpec('approve'), (r, via, id) => decide(run, 'approved', r, via, id), 'Approve the current step (step, approver, reason, optional ticket)');
  registerControl(run, rejectUpdate, rejectSignal, rejectionRefusal, approvalSpec('reject'), (r, via, id) => decide(run, 'rejected', r, via, id), 'Reject the current step: abort and restore stable traffic');
  registerControl(
    run,
    pauseUpdate,
    pauseSignal,
    pauseRefusal,
    bySpec<PauseRequest>('pause'),
    (r, _via, id) => {
      run.accountBake();
      state.paused = true;
      state.pausedBy = author(r.by, id);
      run.wake++;
      return run.note('paused', r.reason ?? 'paused', author(r.by, id));
    },
    'Pause: hold the bake clock and do not start the next traffic change',
  );
  registerControl(
    run,
    resumeUpdate,
    resumeSignal,
    resumeRefusal,
    bySpec<PauseRequest>('resume'),
    (r, _via, id) => {
      state.paused = false;
      state.pausedBy = undefined;
      run.bakeClockMs = Date.now();
      run.wake++;
      return run.note('resumed', r.reason ?? 'resumed', author(r.by, id));
    },
    'Resume a paused rollout',
  );
  registerControl(
    run,
    abortUpdate,
    abortSignal,
    abortRefusal,
    bySpec<AbortRequest>('abort'),
    (r, _via, id) => {
      const by = author(r.by, id);
      const entry = run.note('abort-requested', r.reason, by);
      run.requestStop(`aborted by ${by}: ${r.reason}`, by);
      return entry;
    },
    'Abort: restore stable traffic on every service and undo the cohort hooks',
  );
  registerControl(
    run,
    skipBakeUpdate,
    skipBakeSignal,
    skipBakeRefusal,
    bySpec<SkipBakeRequest>('skip-bake'),
    (r, _via, id) => {
      run.accountBake();
      const rec = run.stepRecord()!;
      const by = author(r.by, id);
      rec.bakeSkipped = { by, reason: r.reason, at: nowIso() };
      run.wake++;
      return run.note('bake-skipped', `skipped the remaining ${formatDuration(bakeRemainingMs({ bakeMs: rec.bakeMs, bakedMs: rec.bakedMs, skipped: false }))}: ${r.reason}`, by);
    },
    'Skip the rest of the current bake (allowed approvers only)',
  );
  registerControl(
    run,
    setBakeUpdate,
    setBakeSignal,
    setBakeRefusal,
    bySpec<SetBakeRequest>('set-bake'),
    (r, _via, id) => {
      run.accountBake();
      const rec = run.stepRecord()!;
      const by = author(r.by, id);
      const from = formatDuration(rec.bakeMs);
      rec.bakeMs = durationMs(r.bake);
      rec.bakeChanges.push({ by, from, to: formatDuration(rec.bakeMs), reason: r.reason, at: nowIso() });
      run.wake++;
      return run.note('bake-changed', `bake of step ${rec.name} ${from} -> ${formatDuration(rec.bakeMs)}: ${r.reason}`, by);
    },
    'Change the bake of the current step (allowed approvers only)',
  );
  registerControl(
    run,
    overrideWindowUpdate,
    overrideWindowSignal,
    windowOverrideRefusal,
    bySpec<WindowOverrideRequest>('override-window'),
    (r, _via, id) => applyWindowOverride(run, r, id),
    "Start the waiting step's traffic change although a change window is closed or a freeze holds (signed, with a reason)",
  );
  setHandler(rolloutStatusQuery, () => run.status(), { description: 'Step, traffic per service, gates, approvals, analysis, timeline' });
}
