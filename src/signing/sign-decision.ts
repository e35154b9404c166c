import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { DECISION_NAMESPACE, decisionMessage, type DecisionChallenge, type DecisionKind, type DecisionPayload, type DecisionProof } from '../domain/decision-signature';
import { isEncryptedOpenSshKey, parseOpenSshPrivateKey } from './openssh-key';
import { signSshSignature, SshSignatureError } from './sshsig';

/** A decision that cannot be signed here: what went wrong and the next step (the CLI exits 2). */
export class SigningError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'SigningError';
  }
}

/** The signing key: --key, else $DRILLCTL_SIGNING_KEY; none means the decision goes unsigned. */
export function signingKeyPath(flag: string | undefined): string | undefined {
  return flag ?? (process.env.DRILLCTL_SIGNING_KEY || undefined);
}

// ssh-keygen needs the agent socket and a terminal for a passphrase; nothing else of ours.
const SSH_KEYGEN_ENV = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SSH_AUTH_SOCK', 'SSH_ASKPASS', 'SSH_ASKPASS_REQUIRE', 'DISPLAY', 'TERM', 'LANG', 'LC_ALL'];

/** `ssh-keygen -Y sign`: for a passphrase-protected key (it asks), or a public key whose private half ssh-agent holds. */
function sshKeygenSign(keyPath: string, message: string): Promise<string> {
  const env = Object.fromEntries(SSH_KEYGEN_ENV.flatMap((k) => (process.env[k] !== undefined ? [[k, process.env[k]!]] : [])));
  return new Promise((resolve, reject) => {
    const child = spawn('ssh-keygen', ['-q', '-Y', 'sign', '-f', keyPath, '-n', DECISION_NAMESPACE], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(new SigningError(`cannot run ssh-keygen to sign with ${keyPath}: ${e.code ?? e.message}`, 'install OpenSSH (ssh-keygen), or pass an unencrypted ed25519 key file with --key')),
    );
    child.on('close', (code) => {
      if (code === 0 && out.includes('BEGIN SSH SIGNATURE')) resolve(out);
      else reject(new SigningError(`ssh-keygen could not sign with ${keyPath}: ${err.trim() || `exit ${code}`}`, 'for a key held by ssh-agent pass its .pub file with --key; check `ssh-add -L` lists it'));
    });
    child.stdin.end(message);
  });
}

/**
 * Signs the exact bytes the worker will verify. An unencrypted OpenSSH ed25519 key is used in
 * process; a passphrase-protected key or a public key (private half in ssh-agent) goes through
 * `ssh-keygen -Y sign`, so the key never has to leave the agent.
 */
export async function signDecision(keyPath: string, payload: DecisionPayload): Promise<string> {
  const message = decisionMessage(payload);
  let text: string;
  try {
    text = fs.readFileSync(keyPath, 'utf8');
  } catch (err) {
    throw new SigningError(`cannot read signing key ${keyPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'pass --key FILE (or set DRILLCTL_SIGNING_KEY) to your ed25519 private key, or its .pub when ssh-agent holds it');
  }
  if (!text.includes('BEGIN OPENSSH PRIVATE KEY')) return sshKeygenSign(keyPath, message);
  try {
    if (isEncryptedOpenSshKey(text)) return await sshKeygenSign(keyPath, message);
    const pair = parseOpenSshPrivateKey(text);
    return signSshSignature(pair.privateKey, pair.publicKey, message, DECISION_NAMESPACE);
  } catch (err) {
    if (err instanceof SshSignatureError) throw new SigningError(`cannot sign with ${keyPath}: ${err.message}`, 'create a key with `ssh-keygen -t ed25519` and ask the worker\'s operator to add its .pub line to the allowed signers file');
    throw err;
  }
}

/**
 * The proof to send with a decision: a signature over the workflow's current challenge and the
 * decision's words when a key is given, nothing otherwise (the worker decides whether unsigned is
 * acceptable: never in production).
 */
export async function proveDecision(
  keyFlag: string | undefined,
  currentChallenge: () => Promise<DecisionChallenge | undefined>,
  decision: DecisionKind,
  words: Pick<DecisionPayload, 'reason' | 'ticket' | 'bake' | 'docs'>,
): Promise<DecisionProof> {
  const keyPath = signingKeyPath(keyFlag);
  if (!keyPath) return {};
  const challenge = await currentChallenge();
  if (!challenge) throw new SigningError(`workflow does not issue decision nonces (it started before decisions were signed), so a signed ${decision} cannot be checked`, 'leave out --key and DRILLCTL_SIGNING_KEY for this run');
  return { signature: await signDecision(keyPath, { ...challenge, decision, ...words }) };
}
