import type { ReplayConfig } from '../domain/config/schema';
import type { ReprojectWrite } from '../domain/reproject/line';
import type { ProjectionParity } from '../domain/reproject/parity';
import type { ReprojectScope } from '../domain/reproject/scopes';
export type { Verdict, ScopeParity, ReplayScopeResult, ReplayFixturesResult, ReplayLevels, ReplayDrillResult } from '../domain/results/replay';

export const REPLAY_WORKFLOW = 'replayDrill';

/** What a caller asks for; the worker resolves commands and deployments from its own config. */
export interface ReplayDrillRequest {
  environment: string;
}

export interface ReplayDrillInput {
  environment: string;
  /** Commands and the Convex deployment to read back; the admin key is a reference, resolved in activities. */
  replay: ReplayConfig;
}

// ---- activity requests and outcomes ----

export interface ReplayFixtureRequest {
  replay: ReplayConfig;
  runId: string;
  workerId: string;
}

export interface SeededFixtures {
  runId: string;
  workerId: string;
  commandDurationMs: number;
}

export interface CleanedFixtures {
  /** What the cleanup command reported, one line per entity. */
  lines: string[];
  commandDurationMs: number;
}

export interface ReprojectRequest {
  replay: ReplayConfig;
  scope: ReprojectScope;
  entityId: string;
}

export interface ReprojectOutcome {
  scope: ReprojectScope;
  entity: string;
  result: 'ok';
  write: ReprojectWrite;
  /** `duration_ms` as the runtime printed it. */
  durationMs: number;
  commandDurationMs: number;
  exitCode: number | null;
  /** Worker wall clock when the command started: a projection older than this was not written by it. */
  startedAtMs: number;
}

/** Details of a `ReprojectFailed` failure, for the workflow's per-scope result. */
export interface ReprojectFailureDetails {
  scope: ReprojectScope;
  entity: string;
  /** The runtime's reason (`sink_write_failed`, `run_not_found`) or what was wrong with the output. */
  reason: string;
  exitCode: number | null;
  durationMs?: number;
  failureKinds: string[];
}

export interface ParityRequest {
  replay: ReplayConfig;
  scope: ReprojectScope;
  entityId: string;
  /** From ReprojectOutcome.startedAtMs; omit to skip the freshness check. */
  notBeforeMs?: number;
}

export type ParityOutcome = ProjectionParity;

/** Replay level 2: one read of an entity's projection (before or after its reprojection). */
export interface ProjectionSightingRequest {
  replay: ReplayConfig;
  scope: ReprojectScope;
  entityId: string;
}

// ---- the drill's result ----

export function replayWorkflowId(environment: string, startedAt: Date): string {
  return `replay-${environment}-${startedAt.toISOString().replace(/[:.]/g, '').toLowerCase()}`;
}

/** The config fields the replay drill cannot run without, by their config path (every level needs them). */
export function missingReplayFields(replay: ReplayConfig): string[] {
  const required: [keyof ReplayConfig, string][] = [
    ['seedFixtures', 'replay.seedFixtures'],
    ['cleanupFixtures', 'replay.cleanupFixtures'],
  ];
  return required.filter(([k]) => replay[k] === undefined).map(([, path]) => path);
}

/** What the drill required before replay levels: a history source and a Convex deployment too. */
export function missingLegacyReplayFields(replay: ReplayConfig): string[] {
  const extra: [keyof ReplayConfig, string][] = [
    ['historyRun', 'replay.historyRun'],
    ['historyWorker', 'replay.historyWorker'],
    ['projections', 'replay.projections'],
  ];
  return [...missingReplayFields(replay), ...extra.filter(([k]) => replay[k] === undefined).map(([, path]) => path)];
}
