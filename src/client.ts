import type { Client, ScheduleHandle, WorkflowHandle } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import type { Config } from './domain/config/schema';
import { BACKUP_RESTORE_WORKFLOW, backupRestoreWorkflowId, type BackupRestoreRequest, type BackupRestoreResult } from './contracts/backup-restore';
import { HEALTH_WORKFLOW, healthWorkflowId, type HealthDrillRequest, type HealthDrillResult } from './contracts/health';
import { attestDocsUpdate, gateStatusQuery, READINESS_GATE_WORKFLOW, type AttestationRecord, type ReadinessGateInput, type ReadinessGateRequest, type ReadinessGateResult, type ReadinessGateStatus } from './contracts/readiness-gate';
import { REPLAY_WORKFLOW, replayWorkflowId, type ReplayDrillRequest, type ReplayDrillResult } from './contracts/replay';
import { ROLLBACK_WORKFLOW, rollbackWorkflowId, type RollbackDrillRequest, type RollbackDrillResult } from './contracts/rollback';
import {
  abortUpdate,
  approveUpdate,
  pauseUpdate,
  rejectUpdate,
  resumeUpdate,
  ROLLOUT_WORKFLOW,
  rolloutStatusQuery,
  setBakeUpdate,
  overrideWindowUpdate,
  skipBakeUpdate,
  type AbortRequest,
  type ApprovalRequest,
  type PauseRequest,
  type RolloutRequest,
  type RolloutResult,
  type RolloutStatus,
  type SetBakeRequest,
  type WindowOverrideRequest,
  type SkipBakeRequest,
} from './contracts/rollout';
import { finishedRollout } from './contracts/rollout';
import { finishedRun } from './contracts/run-conclusion';

export { finishedRollout };
import type { ApprovalRecord, TimelineEntry, WindowOverrideRecord } from './domain/rollout/records';
import type { AttestationRequest } from './domain/attestation';
import type { ScheduleKind } from './contracts/schedule-kinds';
import { startUnderTrafficLock, trafficLockWorkflowId } from './contracts/traffic-lock';
import { backupRestoreSettings, healthDrillSettings, replayDrillSettings, rollbackDrillSettings } from './settings/drills';
import { readinessGateSettings } from './settings/gate';
import { rolloutSettings } from './settings/rollout';
import { DrillEnvironment, DrillKind, DrillServiceGroup } from './temporal/search-attributes';
import { TASK_QUEUE } from './temporal/task-queue';
import { connectClient, type TemporalTarget } from './temporal/connection';
import { runKindOf, type RunKind } from './runs/run-kinds';
import { readRunProgress, type RunProgress } from './runs/run-progress';
import { finishedRunResult, type RunResult } from './runs/run-result';
import { workflowHistoryUrl } from './temporal/web-ui';

/** A workflow this client started: its ids, its Web UI link, and its result when it ends. */
export interface StartedRun<R> {
  workflowId: string;
  runId: string;
  webUiUrl: string;
  handle: WorkflowHandle;
  result(): Promise<R>;
}

export function drillSearchAttributes(kind: string, environment: string, group?: string): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: DrillEnvironment, value: environment },
    { key: DrillKind, value: kind },
  ];
  if (group) pairs.push({ key: DrillServiceGroup, value: group });
  return pairs;
}

interface ScheduleKindSpec {
  workflowType: string;
  describe: string;
  build(environment: string, initiator: string, config?: Config): { request: object; group?: string; summary: string };
}

/** Every workflow a schedule can start; each sends the request its command sends. */
export const SCHEDULE_KINDS = {
  gate: {
    workflowType: READINESS_GATE_WORKFLOW,
    describe: 'the readiness gate (every drill, attestation, report)',
    build(environment, initiator, config) {
      const group = config ? readinessGateSettings(config, { environment, initiator }).group : undefined;
      return { request: { environment, initiator, ...(group ? { group } : {}) }, group, summary: `Readiness gate on **${environment}**${group ? ` / ${group}` : ''}` };
    },
  },
  health: {
    workflowType: HEALTH_WORKFLOW,
    describe: 'baseline health',
    build(environment, _initiator, config) {
      if (config) healthDrillSettings(config, { environment });
      return { request: { environment }, summary: `Health drill on **${environment}**` };
    },
  },
  'backup-restore': {
    workflowType: BACKUP_RESTORE_WORKFLOW,
    describe: 'backup/restore (export, verify, restore by the configured mode, prove equal)',
    build(environment, initiator, config) {
      const request: BackupRestoreRequest = { environment, authorization: { destructive: false, confirmed: false, requestedBy: initiator } };
      const mode = config ? backupRestoreSettings(config, request, (d) => d).restoreMode : undefined;
      return { request, summary: `Backup/restore drill on **${environment}**${mode ? ` (${mode})` : ''}` };
    },
  },
  'rollback-plan': {
    workflowType: ROLLBACK_WORKFLOW,
    describe: "rollback drill plan (dry run: resolves every service's rollback target, changes nothing)",
    build(environment, initiator, config) {
      const request: RollbackDrillRequest = { environment, mode: 'dry-run', targets: {}, requestedBy: initiator };
      const group = config ? rollbackDrillSettings(config, request).group : undefined;
      return { request: { ...request, ...(group ? { group } : {}) }, group, summary: `Rollback drill plan on **${environment}**${group ? ` / ${group}` : ''}` };
    },
  },
} satisfies Record<ScheduleKind, ScheduleKindSpec>;

function gateWorkflowId(environment: string, group: string, at: Date): string {
  return `gate-${environment}-${group}-${at.toISOString().replace(/[:.]/g, '').toLowerCase()}`;
}

/**
 * The one typed seam between callers (the CLI, schedules, benchmarks, tests) and Temporal: it
 * starts every drill, the gate and rollouts with a request (intent only: environment, group,
 * options, who asks), attaches to runs, sends controls and queries status. It renders nothing.
 *
 * The worker resolves every request from its own config. Given the caller's copy of the config,
 * the client runs the same resolution first, so a request the config cannot serve is refused
 * before anything starts (a SettingsError, with a hint).
 */
export class DrillClient {
  constructor(
    readonly temporal: Client,
    readonly target: TemporalTarget,
    private readonly config?: Config,
  ) {}

  static async connect(target: TemporalTarget, config?: Config): Promise<DrillClient> {
    return new DrillClient(await connectClient(target), target, config);
  }

  async close(): Promise<void> {
    await this.temporal.connection.close();
  }

  webUiUrl(workflowId: string, runId?: string): string {
    return workflowHistoryUrl(this.target, workflowId, runId);
  }

  private run<R>(handle: WorkflowHandle & { firstExecutionRunId: string }): StartedRun<R> {
    return {
      workflowId: handle.workflowId,
      runId: handle.firstExecutionRunId,
      webUiUrl: this.webUiUrl(handle.workflowId, handle.firstExecutionRunId),
      handle,
      // A FAIL fails the workflow with its whole result in the failure's details: the caller gets that result.
      result: () => finishedRun<R>(handle),
    };
  }

  private async start<R>(workflowType: string, workflowId: string, request: object, summary: string, attributes: SearchAttributePair[], details?: string): Promise<StartedRun<R>> {
    const handle = await this.temporal.workflow.start(workflowType, {
      taskQueue: TASK_QUEUE,
      workflowId,
      args: [request],
      staticSummary: summary,
      ...(details ? { staticDetails: details } : {}),
      typedSearchAttributes: attributes,
      workflowIdConflictPolicy: 'FAIL',
    });
    return this.run<R>(handle);
  }

  async startHealth(request: HealthDrillRequest): Promise<StartedRun<HealthDrillResult>> {
    if (this.config) healthDrillSettings(this.config, request);
    return this.start(HEALTH_WORKFLOW, healthWorkflowId(request.environment, new Date()), request, `Health drill on **${request.environment}**`, drillSearchAttributes('health', request.environment));
  }

  async startBackupRestore(request: BackupRestoreRequest): Promise<StartedRun<BackupRestoreResult>> {
    const mode = this.config ? backupRestoreSettings(this.config, request, (d) => d).restoreMode : request.restoreMode;
    const a = request.authorization;
    return this.start(
      BACKUP_RESTORE_WORKFLOW,
      backupRestoreWorkflowId(request.environment, new Date()),
      request,
      `Backup/restore drill on **${request.environment}**${mode ? ` (${mode})` : ''}`,
      drillSearchAttributes('backup-restore', request.environment),
      `Started by: ${a.requestedBy}${a.ticket ? `, ticket ${a.ticket}` : ''}`,
    );
  }

  async startReplay(request: ReplayDrillRequest): Promise<StartedRun<ReplayDrillResult>> {
    if (this.config) replayDrillSettings(this.config, request);
    return this.start(REPLAY_WORKFLOW, replayWorkflowId(request.environment, new Date()), request, `Replay drill on **${request.environment}**`, drillSearchAttributes('replay', request.environment));
  }

  /** A dry run gets its own id; an applied drill runs under the group's traffic lock (refused while another holds it). */
  async startRollback(request: RollbackDrillRequest): Promise<StartedRun<RollbackDrillResult>> {
    const group = this.config ? rollbackDrillSettings(this.config, request).group : request.group;
    if (!group) throw new Error('startRollback needs the service group when the client has no config');
    const full = { ...request, group };
    const summary = `Rollback drill (${request.mode === 'apply' ? '**apply**' : 'dry run'}) on **${request.environment}** / ${group}`;
    const details = `Mode: ${request.mode}\nRequested by: ${request.requestedBy}`;
    const attributes = drillSearchAttributes('rollback', request.environment, group);
    if (request.mode !== 'apply') return this.start(ROLLBACK_WORKFLOW, rollbackWorkflowId(request.environment, group, 'dry-run', new Date()), full, summary, attributes, details);
    const handle = await startUnderTrafficLock(this.temporal.workflow, ROLLBACK_WORKFLOW, {
      environment: request.environment,
      group,
      taskQueue: TASK_QUEUE,
      args: [full],
      staticSummary: summary,
      staticDetails: details,
      typedSearchAttributes: attributes,
    });
    return this.run(handle);
  }

  async startGate(request: ReadinessGateRequest): Promise<StartedRun<ReadinessGateResult>> {
    const settings: ReadinessGateInput | undefined = this.config ? readinessGateSettings(this.config, request) : undefined;
    const group = settings?.group ?? request.group;
    if (!group) throw new Error('startGate needs the service group when the client has no config');
    return this.start(
      READINESS_GATE_WORKFLOW,
      gateWorkflowId(request.environment, group, new Date()),
      { ...request, group },
      `Readiness gate on **${request.environment}** / ${group}`,
      drillSearchAttributes('readiness-gate', request.environment, group),
      `Health, backup/restore, replay and rollback drills, then on-call docs attestation.${settings ? `\nRTO target: ${settings.rtoTargetSeconds} s` : ''}\nStarted by: ${request.initiator}`,
    );
  }

  /** Under the group's traffic lock; `details` is shown in the Web UI (the plan's timeline). */
  async startRollout(request: RolloutRequest, details?: string): Promise<StartedRun<RolloutResult>> {
    if (this.config) rolloutSettings(this.config, request);
    const webUiUrl = request.webUiUrl ?? this.webUiUrl(trafficLockWorkflowId(request.environment, request.group));
    const handle = await startUnderTrafficLock(this.temporal.workflow, ROLLOUT_WORKFLOW, {
      environment: request.environment,
      group: request.group,
      taskQueue: TASK_QUEUE,
      args: [{ ...request, webUiUrl }],
      staticSummary: `Staged rollout of **${request.group}** on **${request.environment}**: ${request.plan.steps.map((s) => `${s.name} ${s.percent}%`).join(' → ')}`,
      ...(details ? { staticDetails: `${details}\n\nStarted by: ${request.initiator}` } : {}),
      typedSearchAttributes: drillSearchAttributes('rollout', request.environment, request.group),
    });
    const run = this.run<RolloutResult>(handle);
    return { ...run, result: () => finishedRollout(handle) };
  }

  /**
   * A schedule that starts a drill or the gate with the same request the command would send
   * (overlap: skip). An applied rollback cannot be scheduled: it must hold the group's traffic
   * lock, which a schedule's own workflow ids do not.
   */
  async createSchedule(opts: { scheduleId?: string; kind: ScheduleKind; environment: string; initiator: string; every?: string; cron?: string; paused?: boolean }): Promise<string> {
    const spec: ScheduleKindSpec = SCHEDULE_KINDS[opts.kind];
    const built = spec.build(opts.environment, opts.initiator, this.config);
    const scheduleId = opts.scheduleId ?? `drill-${opts.kind}-${opts.environment}`;
    const { ScheduleOverlapPolicy } = await import('@temporalio/client');
    await this.temporal.schedule.create({
      scheduleId,
      spec: opts.every ? { intervals: [{ every: opts.every as `${number}h` }] } : { cronExpressions: [opts.cron!] },
      action: {
        type: 'startWorkflow',
        workflowType: spec.workflowType,
        workflowId: scheduleId,
        taskQueue: TASK_QUEUE,
        args: [built.request],
        typedSearchAttributes: drillSearchAttributes(opts.kind, opts.environment, built.group),
        staticSummary: `${built.summary} (scheduled by ${scheduleId})`,
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
      state: { paused: !!opts.paused, note: `created by drillctl for ${spec.describe}` },
    });
    return scheduleId;
  }

  /** A running rollout's controls, refusing ids that name something else (a rollback drill holds the same lock id) or a rollout that ended. */
  async runningRollout(workflowId: string): Promise<RolloutControls> {
    const handle = this.handle(workflowId);
    const d = await handle.describe();
    if (d.type !== ROLLOUT_WORKFLOW) throw new WrongRunError(`${workflowId} is a ${d.type} workflow, not a rollout`, 'name a rollout; `drillctl rollout list` shows them');
    if (d.status.name !== 'RUNNING') throw new RunEndedError(`refused: rollout ${workflowId} has already ended`, 'see its report with `drillctl rollout report`');
    return new RolloutControls(handle);
  }

  /** A running gate's attestation, refusing ids that name something else or a gate that ended. */
  async runningGate(workflowId: string): Promise<GateControls> {
    const handle = this.handle(workflowId);
    const { status, type } = await handle.describe();
    if (type !== READINESS_GATE_WORKFLOW) throw new WrongRunError(`${workflowId} is a ${type} workflow, not a readiness gate`, 'name a gate; `drillctl list --kind readiness-gate` shows them');
    if (status.name !== 'RUNNING') throw new RunEndedError(`refused: gate ${workflowId} has already finished (${status.name.toLowerCase()}); its attestation window is closed`, 'start a new gate with `drillctl gate run`');
    return new GateControls(handle);
  }

  /** A run by id (the latest run of that id, unless a run id is given). */
  handle(workflowId: string, runId?: string): WorkflowHandle {
    return this.temporal.workflow.getHandle(workflowId, runId);
  }

  /** Which run an id names (the latest run of it): its kind, whether it runs, its Web UI link. Refuses workflows drillctl does not run. */
  async describeRun(workflowId: string): Promise<RunRef> {
    const d = await this.handle(workflowId).describe();
    const kind = runKindOf(d.type);
    if (!kind) throw new WrongRunError(`${workflowId} is a ${d.type} workflow, which drillctl does not run`, 'name a drill, gate or rollout; `drillctl list` shows them');
    return { workflowId, runId: d.runId, kind, status: d.status.name, running: d.status.name === 'RUNNING', webUiUrl: this.webUiUrl(workflowId, d.runId) };
  }

  /** Where any run is: status, elapsed time, current details, activities with their last heartbeat, running child drills, its own status query. */
  progress(workflowId: string, runId?: string): Promise<RunProgress> {
    return readRunProgress(this.temporal, workflowId, runId);
  }

  /** The recorded result of a finished run of any kind; refuses a run that is still going. */
  async result(workflowId: string): Promise<RunResult & { run: RunRef }> {
    const run = await this.describeRun(workflowId);
    if (run.running) throw new RunStillRunningError(`${workflowId} is still running`, `watch it with \`drillctl status ${workflowId} --watch\`, or in the Web UI: ${run.webUiUrl}`);
    return { ...(await finishedRunResult(this.handle(workflowId, run.runId), run.kind)), run };
  }

  /** Waits for a run of any kind to end and gives its result (a failure that carries no result is thrown). */
  async waitForResult(run: RunRef): Promise<RunResult> {
    return finishedRunResult(this.handle(run.workflowId, run.runId), run.kind);
  }

  /** A rollout by id, running or ended; refuses ids that name something else (a rollback drill holds the same lock id). */
  async rollout(workflowId: string): Promise<RolloutRun> {
    const run = await this.describeRun(workflowId);
    if (run.kind !== 'rollout') throw new WrongRunError(`${workflowId} is a ${run.kind} run, not a rollout`, 'name a rollout; `drillctl rollout list` shows them');
    const handle = this.handle(workflowId, run.runId);
    return { ...run, controls: new RolloutControls(handle), result: () => finishedRollout(handle) };
  }

  /** A gate's drills and attestation state, running or ended. */
  gateStatus(workflowId: string): Promise<ReadinessGateStatus> {
    return new GateControls(this.handle(workflowId)).status();
  }

  /** Runs matching a visibility query, newest first, with drillctl's search attributes read out. */
  listRuns(query: string, limit: number): Promise<ListedRun[]> {
    return listRuns(this.temporal, this.target, query, limit);
  }

  /** A schedule by id, described first so a wrong id is a clear "not found" before anything is done to it. */
  async schedule(scheduleId: string): Promise<ScheduleHandle> {
    const handle = this.temporal.schedule.getHandle(scheduleId);
    await handle.describe();
    return handle;
  }

  /** Every schedule, with its next and recent runs. */
  async listSchedules(): Promise<ScheduleSummary[]> {
    const out: ScheduleSummary[] = [];
    for await (const s of this.temporal.schedule.list()) {
      out.push({
        scheduleId: s.scheduleId,
        workflowType: s.action?.type === 'startWorkflow' ? s.action.workflowType : undefined,
        paused: s.state.paused,
        note: s.state.note,
        nextRuns: s.info.nextActionTimes.slice(0, 3).map((d) => d.toISOString()),
        recentRuns: s.info.recentActions.map((a) => a.action.workflow.workflowId),
      });
    }
    return out;
  }
}

/** A run named by id: what kind it is, and whether it still runs. */
export interface RunRef {
  workflowId: string;
  runId: string;
  kind: RunKind;
  status: string;
  running: boolean;
  webUiUrl: string;
}

export interface RolloutRun extends RunRef {
  controls: RolloutControls;
  result(): Promise<RolloutResult>;
}

export interface ScheduleSummary {
  scheduleId: string;
  workflowType?: string;
  paused: boolean;
  note?: string;
  nextRuns: string[];
  recentRuns: string[];
}

export type { RunKind, RunProgress, RunResult };

/** The run has not ended, so it has no result yet. */
export class RunStillRunningError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'RunStillRunningError';
  }
}

export interface ListedRun {
  workflowId: string;
  type: string;
  status: string;
  startTime: string;
  environment?: string;
  group?: string;
  kind?: string;
  step?: string;
  outcome?: string;
  webUiUrl: string;
}

/** Runs matching a visibility query, newest first, with drillctl's search attributes read out. */
export async function listRuns(client: Client, target: TemporalTarget, query: string, limit: number): Promise<ListedRun[]> {
  const out: ListedRun[] = [];
  for await (const wf of client.workflow.list({ query: query || undefined })) {
    const get = (name: string): string | undefined => wf.typedSearchAttributes.getAll().find((p) => p.key.name === name)?.value as string | undefined;
    out.push({
      workflowId: wf.workflowId,
      type: wf.type,
      status: wf.status.name,
      startTime: wf.startTime.toISOString(),
      environment: get('DrillEnvironment'),
      group: get('DrillServiceGroup'),
      kind: get('DrillKind'),
      step: get('DrillStep'),
      outcome: get('DrillOutcome'),
      webUiUrl: workflowHistoryUrl(target, wf.workflowId, wf.runId),
    });
    if (out.length >= limit) break;
  }
  return out;
}

/** The id names a run of another kind. */
export class WrongRunError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'WrongRunError';
  }
}

/** The run has ended, so it takes no more decisions. */
export class RunEndedError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'RunEndedError';
  }
}

/**
 * Every control of a running rollout, each an Update: the workflow's validator accepts it (and the
 * answer comes back) or refuses it with the reason, and then nothing has changed. A signed request
 * carries the proof over `status().decision`.
 */
export class RolloutControls {
  constructor(readonly handle: WorkflowHandle) {}
  status(): Promise<RolloutStatus> {
    return this.handle.query(rolloutStatusQuery);
  }
  approve(request: ApprovalRequest): Promise<ApprovalRecord> {
    return this.handle.executeUpdate(approveUpdate, { args: [request] });
  }
  reject(request: ApprovalRequest): Promise<ApprovalRecord> {
    return this.handle.executeUpdate(rejectUpdate, { args: [request] });
  }
  pause(request: PauseRequest): Promise<TimelineEntry> {
    return this.handle.executeUpdate(pauseUpdate, { args: [request] });
  }
  resume(request: PauseRequest): Promise<TimelineEntry> {
    return this.handle.executeUpdate(resumeUpdate, { args: [request] });
  }
  abort(request: AbortRequest): Promise<TimelineEntry> {
    return this.handle.executeUpdate(abortUpdate, { args: [request] });
  }
  skipBake(request: SkipBakeRequest): Promise<TimelineEntry> {
    return this.handle.executeUpdate(skipBakeUpdate, { args: [request] });
  }
  setBake(request: SetBakeRequest): Promise<TimelineEntry> {
    return this.handle.executeUpdate(setBakeUpdate, { args: [request] });
  }
  /** Lets the current step's traffic changes start although a change window is closed; the request must be signed. */
  overrideWindow(request: WindowOverrideRequest): Promise<WindowOverrideRecord> {
    return this.handle.executeUpdate(overrideWindowUpdate, { args: [request] });
  }
}

/** The attestation of a running readiness gate (an Update, refused the same way as the rollout's controls). */
export class GateControls {
  constructor(readonly handle: WorkflowHandle) {}
  status(): Promise<ReadinessGateStatus> {
    return this.handle.query(gateStatusQuery);
  }
  attest(request: AttestationRequest): Promise<AttestationRecord> {
    return this.handle.executeUpdate(attestDocsUpdate, { args: [request] });
  }
}

