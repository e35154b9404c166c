import type { ReplayConfig } from '../config/schema';

/**
 * How much a replay drill can prove, by what its config gives it:
 * 1. the fixtures were seeded and both reprojections printed `result=ok write=applied` (what the
 *    operators' script checked; the runtime may still have written nowhere);
 * 2. the projected documents were read back from Convex, present and updated by this run;
 * 3. their content equals the summary recomputed from the runtime's durable history.
 */
export type ReplayLevel = 1 | 2 | 3;

export const REPLAY_LEVEL_MEANING: Record<ReplayLevel, string> = {
  1: 'fixtures seeded, both reprojections reported result=ok write=applied',
  2: 'the projected documents read back from Convex, present and updated by this run',
  3: "the projected documents equal the summaries recomputed from the runtime's durable history",
};

/** The highest level this config allows. */
export function replayLevelAllowed(replay: Pick<ReplayConfig, 'projections' | 'historyRun' | 'historyWorker'>): ReplayLevel {
  if (!replay.projections) return 1;
  return replay.historyRun && replay.historyWorker ? 3 : 2;
}

/** What the config needs for the next level up, or undefined at level 3. */
export function nextReplayLevelNeeds(level: ReplayLevel): string | undefined {
  switch (level) {
    case 1:
      return "level 2 needs replay.projections: the Convex deployment the runtime's projection sink writes to (url and an adminKey reference); the drill reads the projection tables back with `convex data`";
    case 2:
      return "level 3 needs a history source: replay.historyRun and replay.historyWorker, commands that print an entity's durable history as JSON (see the README, \"Using the real runtime and Convex\")";
    case 3:
      return undefined;
  }
}

/** Config shapes that cannot be a level: half a history source, or a history source with nothing to compare it with. */
export function replayLevelProblems(replay: Pick<ReplayConfig, 'projections' | 'historyRun' | 'historyWorker'>): string[] {
  const problems: string[] = [];
  if (!replay.historyRun !== !replay.historyWorker) problems.push(`replay.${replay.historyRun ? 'historyWorker' : 'historyRun'} is missing: a history source needs both historyRun and historyWorker`);
  if ((replay.historyRun || replay.historyWorker) && !replay.projections) problems.push('replay.projections is required with a history source: level 3 compares history with the documents in Convex');
  return problems;
}
