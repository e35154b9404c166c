import type { ProjectionSighting } from '../../domain/reproject/landing';
import type { CleanedFixtures, ParityOutcome, ParityRequest, ProjectionSightingRequest, ReplayFixtureRequest, ReprojectOutcome, ReprojectRequest, SeededFixtures } from '../../contracts/replay';
import { defaultConvexCliPath } from '../backup/convex-cli';
import { resolveSecret } from '../secrets';
import type { ReprojectDeps } from './deps';
import { cleanupReplayFixtures, seedReplayFixtures } from './fixtures';
import { checkProjectionParity } from './projection-parity';
import { sightProjection } from './projection-sighting';
import { reprojectEntity } from './reproject-entity';
import { spawnCommand } from './run-command';

export type { ReprojectDeps } from './deps';
export { ReplayFailureType } from './failures';

/** The replay drill's activities on real adapters (subprocesses, HTTP); tests may swap a port. */
export function createReprojectActivities(overrides: Partial<ReprojectDeps> = {}) {
  const deps: ReprojectDeps = { runCommand: spawnCommand, resolveSecret, fetch: (...args) => fetch(...args), convexCliPath: defaultConvexCliPath(), ...overrides };
  return {
    seedReplayFixtures: (req: ReplayFixtureRequest): Promise<SeededFixtures> => seedReplayFixtures(deps, req),
    reprojectEntity: (req: ReprojectRequest): Promise<ReprojectOutcome> => reprojectEntity(deps, req),
    sightProjection: (req: ProjectionSightingRequest): Promise<ProjectionSighting> => sightProjection(deps, req),
    checkProjectionParity: (req: ParityRequest): Promise<ParityOutcome> => checkProjectionParity(deps, req),
    cleanupReplayFixtures: (req: ReplayFixtureRequest): Promise<CleanedFixtures> => cleanupReplayFixtures(deps, req),
  };
}

export type ReprojectActivities = ReturnType<typeof createReprojectActivities>;
