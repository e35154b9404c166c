// What a drill returns: plain data, shared by the workflows, the report renderers and the CLI.
import type { LandingStatus } from '../reproject/landing';
import type { ReplayLevel } from '../reproject/levels';
import type { ReprojectWrite } from '../reproject/line';
import type { ParityStatus, ProjectionParity } from '../reproject/parity';
import type { ReprojectScope } from '../reproject/scopes';
import type { Verdict } from './health';
import type { RunConclusion } from './conclusion';

export type { Verdict };

export type ScopeParity = ParityStatus | 'not-checked';

export interface ReplayScopeResult {
  scope: ReprojectScope;
  entity: string;
  result: 'ok' | 'error';
  write?: ReprojectWrite;
  reason?: string;
  /** The runtime's own `duration_ms`. */
  durationMs?: number;
  /** The reproject command from start to exit, on workflow time. */
  commandDurationMs: number;
  /** Level 2: the projection read back from Convex before and after the reprojection (absent on histories before levels). */
  projection?: LandingStatus | 'not-checked';
  projectionDetail?: string;
  /** `projected_at` of the document before and after the reprojection. */
  projectedAtBefore?: string;
  projectedAtAfter?: string;
  /** Level 3. */
  parity: ScopeParity;
  /** Why parity is not `match`: the fields that differ, or what was missing. */
  parityDetail?: string;
  differences?: ProjectionParity['differences'];
  expectedHash?: string;
  actualHash?: string;
}

export interface ReplayFixturesResult {
  runId: string;
  workerId: string;
  seeded: boolean;
  cleanedUp: boolean;
  cleanupDetail?: string;
}

export interface ReplayLevels {
  /** The highest level the environment's config allows. */
  allowed: ReplayLevel;
  /** The highest level whose every check passed (0: not even level 1). */
  proven: 0 | ReplayLevel;
  /** What each proven level means, from 1 up. */
  meaning: string[];
  /** What the config needs for a higher level; absent at level 3. */
  next?: string;
}

export interface ReplayDrillResult {
  workflowId: string;
  environment: string;
  verdict: Verdict;
  /** Absent on results of drills started before replay levels. */
  level?: ReplayLevels;
  fixtures: ReplayFixturesResult;
  scopes: ReplayScopeResult[];
  /** Every reason for a FAIL, each with the resource and the next step. */
  failures: string[];
  startedAt: string;
  durationMs: number;
  /** How it ended: on a FAIL every failure as a cause, the fixtures written and whether they were removed. */
  conclusion?: RunConclusion;
}
