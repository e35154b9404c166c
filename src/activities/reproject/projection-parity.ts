import { ApplicationFailure } from '@temporalio/common';
import { canonicalJson } from '../../domain/reproject/canonical-json';
import { decideParity, projectionDifferences } from '../../domain/reproject/parity';
import { summarizeHistory } from '../../domain/reproject/summary';
import { summaryContent, summaryHash } from '../../domain/reproject/summary-hash';
import type { ParityOutcome, ParityRequest } from '../../contracts/replay';
import type { ReprojectDeps } from './deps';
import { readEntityHistory } from './entity-history';
import { ReplayFailureType } from './failures';
import { readProjection } from './projection-source';

/**
 * Proves the projection reached Convex and says what history says: recomputes the summary
 * from the entity's durable history (not from the runtime's own projector), reads the live
 * document back and compares content hashes (projected_at and store fields left out).
 * Drift is an answer, not an error; only an unreadable side throws.
 */
export async function checkProjectionParity(deps: ReprojectDeps, req: ParityRequest): Promise<ParityOutcome> {
  if (!req.replay.projections) {
    throw ApplicationFailure.create({ type: ReplayFailureType.configIncomplete, nonRetryable: true, message: 'replay.projections (Convex url and adminKey reference) is not configured; the parity check needs it' });
  }
  const history = await readEntityHistory(deps, req.replay, req.scope, req.entityId);
  const expected = summarizeHistory(history, { projectedAt: '' });
  const { doc } = await readProjection(deps, req.replay, req.scope, req.entityId);
  const same = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);
  return decideParity({
    expectedHash: summaryHash(expected),
    actualHash: doc ? summaryHash(doc) : undefined,
    differences: doc ? projectionDifferences(summaryContent(expected), summaryContent(doc), same) : [],
    projectedAt: typeof doc?.projected_at === 'string' ? doc.projected_at : undefined,
    notBeforeMs: req.notBeforeMs,
    clockSkewMs: req.replay.clockSkewToleranceMs,
  });
}
