import type { CleanedFixtures, ParityOutcome, ParityRequest, ReplayFixtureRequest, ReprojectOutcome, ReprojectRequest, SeededFixtures } from '../../shared/replay';
import { resolveSecret } from '../secrets';
import type { ReprojectDeps } from './deps';
import { cleanupReplayFixtures, seedReplayFixtures } from './fixtures';
import { checkProjectionParity } from './projection-parity';
import { reprojectEntity } from './reproject-entity';
import { spawnCommand } from './run-command';

export type { ReprojectDeps } from './deps';
export { ReplayFailureType } from './failures';

/** The replay drill's activities on real adapters (subprocesses, HTTP); tests may swap a port. */
export function createReprojectActivities(overrides: Partial<ReprojectDeps> = {}) {
  const deps: ReprojectDeps = { runCommand: spawnCommand, resolveSecret, fetch: (...args) => fetch(...args), ...overrides };
  return {
    seedReplayFixtures: (req: ReplayFixtureRequest): Promise<SeededFixtures> => seedReplayFixtures(deps, req),
    reprojectEntity: (req: ReprojectRequest): Promise<ReprojectOutcome> => reprojectEntity(deps, req),
    checkProjectionParity: (req: ParityRequest): Promise<ParityOutcome> => checkProjectionParity(deps, req),
    cleanupReplayFixtures: (req: ReplayFixtureRequest): Promise<CleanedFixtures> => cleanupReplayFixtures(deps, req),
  };
}

export type ReprojectActivities = ReturnType<typeof createReprojectActivities>;
