import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../../domain/config/schema';
import { DECISION_NAMESPACE, DECISION_REFUSED, decisionMessage, normalPrincipal, type DecisionIdentity, type DecisionPayload } from '../../domain/decision-signature';
import { AllowedSignersError, parseAllowedSigners, principalsForKey } from '../../signing/allowed-signers';
import { SshSignatureError, verifySshSignature } from '../../signing/sshsig';

export interface VerifyDecisionRequest {
  environment: string;
  /** Built by the workflow from its own state (workflow, run, step, nonce) and the request's words. */
  payload: DecisionPayload;
  signature?: string;
  /** The name typed with the decision (`--as`): only picks among the principals of the signing key. */
  claimed: string;
}

const refuse = (message: string): ApplicationFailure => ApplicationFailure.nonRetryable(message, DECISION_REFUSED);

const HOW_TO_SIGN = 'sign it: pass --key FILE (or set DRILLCTL_SIGNING_KEY) to the drillctl command';

/**
 * Establishes who made a decision, from the worker's own config: a signed decision is verified
 * against the environment's allowed-signers file and names the verified principal; an unsigned one
 * is accepted only where the environment does not require signatures (never in production), and is
 * recorded as unsigned. Any doubt refuses, non-retryably: the decision is simply not applied.
 */
export async function verifyDecisionWith(config: Config, req: VerifyDecisionRequest): Promise<DecisionIdentity> {
  const env = config.environments[req.environment];
  if (!env) throw refuse(`the worker's config has no environment "${req.environment}"; the decision cannot be checked`);
  const required = env.production || env.signing?.required === true;
  const what = `the ${req.payload.decision} decision`;
  if (!req.signature) {
    if (required) throw refuse(`environment ${req.environment} ${env.production ? 'is production' : 'requires signed decisions'}: ${what} is unsigned; ${HOW_TO_SIGN}`);
    const principal = req.claimed.trim();
    if (!principal) throw refuse(`${what} names nobody: pass --as NAME`);
    return { principal, signed: false };
  }
  const file = env.signing?.allowedSignersFile;
  if (!file) throw refuse(`${what} is signed, but environment ${req.environment} has no signing.allowedSignersFile in the worker's config, so no signature can be trusted; add one`);
  let text: string;
  try {
    text = await fs.promises.readFile(path.resolve(file), 'utf8');
  } catch (err) {
    throw refuse(`cannot read the allowed signers file ${file} of environment ${req.environment}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const key = verifySshSignature(req.signature, decisionMessage(req.payload), DECISION_NAMESPACE);
    const match = principalsForKey(parseAllowedSigners(text, file), key, DECISION_NAMESPACE, new Date());
    if (match.principals.length === 0) {
      throw refuse(`${what} is signed by key ${key.fingerprint}, which ${file} does not allow to sign drillctl decisions${match.excluded.length ? ` (${match.excluded.join('; ')})` : ''}`);
    }
    const principal = match.principals.find((p) => normalPrincipal(p) === normalPrincipal(req.claimed)) ?? match.principals[0]!;
    return { principal, signed: true, key: key.fingerprint };
  } catch (err) {
    if (err instanceof SshSignatureError) throw refuse(`${what} does not verify: ${err.message}. Fetch the current nonce and sign again (the drillctl command does both)`);
    if (err instanceof AllowedSignersError) throw refuse(`the allowed signers file is invalid: ${err.message}`);
    throw err;
  }
}

export function createDecisionActivities(deps: { config: Config }) {
  return {
    verifyDecision: (req: VerifyDecisionRequest): Promise<DecisionIdentity> => verifyDecisionWith(deps.config, req),
  };
}
