import { ActivityFailure, ApplicationFailure, patched, proxyLocalActivities, uuid4, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DECISION_REFUSED, type DecisionChallenge, type DecisionIdentity, type DecisionPayload } from '../domain/decision-signature';

/**
 * Runs recorded before decisions were signed applied them at once, without a verification; on
 * replay they keep doing so. Asked by each decision's handler before anything else (so a run
 * without decisions has no marker and its history is unchanged).
 */
export const SIGNED_DECISIONS_PATCH = 'signed-decisions';

export function signedDecisions(): boolean {
  return patched(SIGNED_DECISIONS_PATCH);
}

/** A decision the workflow will not apply; the Update fails with it, a signal records it. */
export class DecisionRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecisionRefusal';
  }

  /** A signal has no caller to answer: a check that could not finish (the activity failed) is a refusal too, never a failed workflow. */
  static fromSignal(err: unknown): DecisionRefusal | undefined {
    if (err instanceof DecisionRefusal) return err;
    if (err instanceof ActivityFailure || err instanceof ApplicationFailure) return new DecisionRefusal(`the worker could not check the decision: ${err.cause?.message ?? err.message}`);
    return undefined;
  }

  toFailure(): ApplicationFailure {
    return ApplicationFailure.create({ type: DECISION_REFUSED, message: this.message, nonRetryable: true });
  }
}

// Verification reads the allowed-signers file: node:crypto and the file system are not available
// in the workflow sandbox (and Update validators must be synchronous), so the Update handler asks
// a local activity before it applies anything.
const { verifyDecision } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', maximumAttempts: 3, nonRetryableErrorTypes: [DECISION_REFUSED] },
});

/** A fresh nonce: deterministic (seeded by the workflow), unpredictable to anyone outside it. */
export function newNonce(): string {
  return uuid4();
}

export function challengeFor(step: string | undefined, nonce: string | undefined): DecisionChallenge {
  const info = workflowInfo();
  return { workflowId: info.workflowId, runId: info.firstExecutionRunId, step: step ?? '', nonce: nonce ?? '' };
}

/** Who sent the decision: the verified principal of its signature, or (where allowed) the typed name, unsigned. */
export async function establishIdentity(environment: string, payload: DecisionPayload, signature: string | undefined, claimed: string): Promise<DecisionIdentity> {
  try {
    return await verifyDecision({ environment, payload, claimed, ...(signature ? { signature } : {}) });
  } catch (err) {
    // A local activity's non-retryable failure may arrive bare or wrapped in an ActivityFailure.
    const cause = err instanceof ActivityFailure ? err.cause : err;
    if (cause instanceof ApplicationFailure && cause.type === DECISION_REFUSED) throw new DecisionRefusal(cause.message);
    throw err;
  }
}
