/** A row of the runtime's `convex_projection_checkpoints` table. */
export interface ProjectionCheckpoint {
  projectionName: string;
  entityId: string;
  documentId: string;
  lastRuntimeSeq: number;
  projectionVersion: string;
  summaryHash: string;
  lastProjectedAt: string;
}

export type WriteDecisionReason = 'checkpoint_ahead' | 'idempotent' | 'summary_hash_mismatch' | 'projection_version_changed';

export interface WriteDecision {
  action: 'write' | 'skip';
  write: 'applied' | 'skipped';
  reason?: WriteDecisionReason;
  /** The runtime emits drift telemetry for this outcome. */
  drift: boolean;
}

/**
 * The runtime's `projection_write_action/2`: given
 * the entity's checkpoint and the freshly computed summary, write (call the sink, then upsert
 * the checkpoint) or skip.
 */
export function decideProjectionWrite(checkpoint: ProjectionCheckpoint | undefined, next: { seq: number; projectionVersion: string; summaryHash: string }): WriteDecision {
  if (!checkpoint) return { action: 'write', write: 'applied', drift: false };
  if (checkpoint.lastRuntimeSeq > next.seq) return { action: 'skip', write: 'skipped', reason: 'checkpoint_ahead', drift: true };
  if (checkpoint.lastRuntimeSeq === next.seq) {
    if (checkpoint.projectionVersion !== next.projectionVersion) return { action: 'write', write: 'applied', reason: 'projection_version_changed', drift: true };
    if (checkpoint.summaryHash === next.summaryHash) return { action: 'skip', write: 'skipped', reason: 'idempotent', drift: false };
    return { action: 'write', write: 'applied', reason: 'summary_hash_mismatch', drift: true };
  }
  return { action: 'write', write: 'applied', drift: false };
}
