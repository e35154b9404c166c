import type { Client, WorkflowExecutionDescription, WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { gateStatusQuery, type ReadinessGateStatus } from '../contracts/readiness-gate';
import { rollbackProgressQuery, type RollbackProgress } from '../contracts/rollback';
import { rolloutStatusQuery, type RolloutStatus } from '../contracts/rollout';
import { runKindOf, type RunKind } from './run-kinds';

/** An activity the run waits on, with what its last heartbeat said (bytes downloaded, probe streak, import step). */
export interface ActivityProgress {
  activity: string;
  state: 'scheduled' | 'started' | 'cancel-requested';
  attempt: number;
  startedAt?: string;
  lastHeartbeatAt?: string;
  /** The activity's last heartbeat details, decoded; undefined before the first. */
  heartbeat?: unknown;
  /** Why the previous attempt failed, while a retry is pending. */
  lastFailure?: string;
}

/** Where any run is: read from Temporal (describe, the Web UI's current details, the run's own status query). */
export interface RunProgress {
  workflowId: string;
  runId: string;
  workflowType: string;
  kind?: RunKind;
  /** RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT, CONTINUED_AS_NEW. */
  status: string;
  summary?: string;
  /** The workflow's current details (what the Web UI shows), while it runs and a worker answers. */
  details?: string;
  startedAt: string;
  closedAt?: string;
  /** From the start to now (running) or to the close. */
  elapsedMs: number;
  activities: ActivityProgress[];
  /** Drills a gate or a rollout runs as child workflows, while they run. */
  children: RunProgress[];
  gate?: ReadinessGateStatus;
  rollout?: RolloutStatus;
  rollback?: RollbackProgress;
}

/** A query that no worker answers (a worker restart) must not hold up a progress view. */
const QUERY_DEADLINE_MS = 3000;

const ACTIVITY_STATES: Record<number, ActivityProgress['state']> = { 1: 'scheduled', 2: 'started', 3: 'cancel-requested' };

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

async function optionalQuery<T>(client: Client, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, fn);
  } catch {
    return undefined;
  }
}

async function activityProgress(client: Client, info: temporal.api.workflow.v1.IPendingActivityInfo): Promise<ActivityProgress> {
  const converter = client.options.loadedDataConverter;
  const heartbeat = info.heartbeatDetails?.payloads?.length ? await decodeFromPayloadsAtIndex(converter, 0, info.heartbeatDetails.payloads).catch(() => undefined) : undefined;
  return {
    activity: info.activityType?.name ?? '?',
    state: ACTIVITY_STATES[info.state ?? 0] ?? 'scheduled',
    attempt: info.attempt ?? 1,
    ...(info.lastStartedTime ? { startedAt: iso(optionalTsToMs(info.lastStartedTime)) } : {}),
    ...(info.lastHeartbeatTime ? { lastHeartbeatAt: iso(optionalTsToMs(info.lastHeartbeatTime)) } : {}),
    ...(heartbeat !== undefined ? { heartbeat } : {}),
    ...(info.lastFailure?.message && (info.attempt ?? 1) > 1 ? { lastFailure: info.lastFailure.message } : {}),
  };
}

/** The run's own status query, by kind: the gate's drills, the rollout's step and traffic, the rollback's phase. */
async function kindStatus(client: Client, handle: WorkflowHandle, kind: RunKind | undefined): Promise<Pick<RunProgress, 'gate' | 'rollout' | 'rollback'>> {
  if (kind === 'readiness-gate') return { gate: await optionalQuery(client, () => handle.query(gateStatusQuery)) };
  if (kind === 'rollout') return { rollout: await optionalQuery(client, () => handle.query(rolloutStatusQuery)) };
  if (kind === 'rollback') return { rollback: await optionalQuery(client, () => handle.query(rollbackProgressQuery)) };
  return {};
}

function stripMarkdown(text: string | undefined): string | undefined {
  return text?.replace(/\*\*/g, '');
}

async function runningChildren(client: Client, d: WorkflowExecutionDescription, childDepth: number): Promise<RunProgress[]> {
  const read = await Promise.all((d.raw.pendingChildren ?? []).map((c) => readRunProgress(client, c.workflowId ?? '', c.runId ?? undefined, childDepth).catch(() => undefined)));
  return read.filter((c): c is RunProgress => c !== undefined);
}

/**
 * Where a run is, from describe and (while it runs) its queries; `childDepth` says how deep to
 * follow running child workflows (the gate's drills, a rollout's drill gates).
 */
export async function readRunProgress(client: Client, workflowId: string, runId?: string, childDepth = 1): Promise<RunProgress> {
  const handle = client.workflow.getHandle(workflowId, runId);
  const d: WorkflowExecutionDescription = await handle.describe();
  const kind = runKindOf(d.type);
  const running = d.status.name === 'RUNNING';
  const closedMs = d.closeTime?.getTime();
  const [summary, metadata, status, activities, children] = await Promise.all([
    d.staticSummary().catch(() => undefined),
    running ? optionalQuery(client, () => handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata')) : undefined,
    running ? kindStatus(client, handle, kind) : {},
    Promise.all((d.raw.pendingActivities ?? []).map((a) => activityProgress(client, a))),
    childDepth > 0 ? runningChildren(client, d, childDepth - 1) : [],
  ]);
  return {
    workflowId: d.workflowId,
    runId: d.runId,
    workflowType: d.type,
    ...(kind ? { kind } : {}),
    status: d.status.name,
    ...(summary ? { summary: stripMarkdown(summary) } : {}),
    ...(metadata?.currentDetails ? { details: stripMarkdown(metadata.currentDetails) } : {}),
    startedAt: d.startTime.toISOString(),
    ...(closedMs !== undefined ? { closedAt: new Date(closedMs).toISOString() } : {}),
    elapsedMs: (closedMs ?? Date.now()) - d.startTime.getTime(),
    activities,
    children,
    ...status,
  };
}
