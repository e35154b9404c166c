import type { ProjectionSighting } from '../../domain/reproject/landing';
import type { ProjectionSightingRequest } from '../../contracts/replay';
import type { ReprojectDeps } from './deps';
import { readProjection } from './projection-source';

/** Replay level 2: is the entity's projection in Convex, and when was it projected? (Before and after the reprojection.) */
export async function sightProjection(deps: ReprojectDeps, req: ProjectionSightingRequest): Promise<ProjectionSighting> {
  const { doc, via } = await readProjection(deps, req.replay, req.scope, req.entityId);
  if (!doc) return { present: false, via };
  return { present: true, via, ...(typeof doc.projected_at === 'string' ? { projectedAt: doc.projected_at } : {}) };
}
