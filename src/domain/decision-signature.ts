import { canonicalJson } from './reproject/canonical-json';

/**
 * Signed decisions: what a person signs with their SSH key to approve, reject, abort, pause, resume,
 * skip or change a bake, override a change window, or attest, and how the result is named in the audit trail. Pure: the
 * workflow builds the payload from its own state, the CLI from the status query and its flags, and
 * the worker verifies the signature over the same canonical text (src/signing, an activity).
 */

export type DecisionKind = 'approve' | 'reject' | 'abort' | 'pause' | 'resume' | 'skip-bake' | 'set-bake' | 'attest' | 'override-window';

/** The namespace passed to `ssh-keygen -Y sign -n`: a signature made for git or a file is not one for drillctl. */
export const DECISION_NAMESPACE = 'drillctl';

/** What the workflow asks the signer to bind a decision to; exposed by the status queries. */
export interface DecisionChallenge {
  workflowId: string;
  /** The first run of the workflow: a later rollout under the same workflow id has another. */
  runId: string;
  /** The step the decision is about ('' when the workflow has none yet). */
  step: string;
  /** Issued by the workflow, replaced after every applied decision: a signature works once. */
  nonce: string;
}

export interface DecisionPayload extends DecisionChallenge {
  decision: DecisionKind;
  reason: string;
  /** Values that change what the decision does are signed too. */
  ticket?: string;
  bake?: string;
  docs?: string[];
}

/** The fields every control request may carry to prove who sent it. */
export interface DecisionProof {
  /** Armored `ssh-keygen -Y sign -n drillctl` signature over decisionMessage(payload). */
  signature?: string;
}

/** Who made a decision, as the worker established it. */
export interface DecisionIdentity {
  /** The verified principal from the allowed-signers file; for an unsigned decision, the typed name. */
  principal: string;
  signed: boolean;
  /** `SHA256:...` of the key that signed. */
  key?: string;
}

/** The exact bytes that are signed: canonical JSON, so the CLI and the worker agree to the byte. */
export function decisionMessage(p: DecisionPayload): string {
  return canonicalJson({
    drillctlDecision: 1,
    workflowId: p.workflowId,
    runId: p.runId,
    step: p.step,
    decision: p.decision,
    reason: p.reason,
    nonce: p.nonce,
    ...(p.ticket ? { ticket: p.ticket } : {}),
    ...(p.bake ? { bake: p.bake } : {}),
    ...(p.docs && p.docs.length ? { docs: p.docs } : {}),
  });
}

/** Principals compare trimmed and case-insensitively: " Carol" and "carol" are one person. */
export function normalPrincipal(name: string | undefined): string {
  return (name ?? '').trim().toLowerCase();
}

export function samePrincipal(a: string | undefined, b: string | undefined): boolean {
  return normalPrincipal(a) !== '' && normalPrincipal(a) === normalPrincipal(b);
}

export function includesPrincipal(list: readonly string[], who: string | undefined): boolean {
  return list.some((p) => samePrincipal(p, who));
}

/** How a decision's author reads in reports and the timeline. */
export function describeIdentity(id: DecisionIdentity): string {
  return id.signed ? id.principal : `${id.principal} (unsigned)`;
}

/** Failure type of a decision whose signature or signer the worker refused. */
export const DECISION_REFUSED = 'DecisionRefused';
