import { includesPrincipal, samePrincipal, type DecisionProof } from './decision-signature';

/**
 * The on-call/escalation docs attestation of the readiness gate: a named person confirms, with a
 * reason, that the docs are current. Pure rules, used by the workflow's synchronous Update validator
 * and by its signal twin, so both paths refuse the same things with the same words.
 */
export interface AttestationPolicy {
  /** Who may attest; empty means anyone except (when set) the initiator. */
  attesters: string[];
  /** The person who started the gate may not attest their own gate. */
  forbidInitiator: boolean;
  timeoutSeconds: number;
  /** The declared outcome of a missed window: the docs criterion fails, and with it the gate. */
  onTimeout: 'fail';
}

export interface AttestationRequest extends DecisionProof {
  attester: string;
  reason: string;
  /** Which docs were reviewed (paths or links), recorded in the report. */
  docs?: string[];
}

export type AttestationState = 'waiting' | 'attested' | 'timed-out' | 'not-yet-asked';

/** Returns the reason to refuse, or undefined when the attestation is acceptable. */
/** `identityPending`: the request is signed and its verified principal is not known yet (checked again once it is). */
export function attestationRefusal(req: AttestationRequest, policy: AttestationPolicy, state: AttestationState, initiator: string, identityPending = false): string | undefined {
  if (state === 'attested') return 'the docs are already attested for this gate';
  if (state === 'timed-out') return `the attestation window (${policy.timeoutSeconds} s) has closed; start a new gate`;
  if (!req.attester?.trim()) return 'attester is required: pass --as NAME';
  if (!req.reason?.trim()) return 'a reason is required: say what you checked (--reason "...")';
  if (identityPending) return undefined;
  if (policy.forbidInitiator && samePrincipal(req.attester, initiator)) return `${req.attester} started this gate and may not attest it; ask another on-call engineer`;
  if (policy.attesters.length > 0 && !includesPrincipal(policy.attesters, req.attester)) {
    return `${req.attester} may not attest; allowed: ${policy.attesters.join(', ')}`;
  }
  return undefined;
}
