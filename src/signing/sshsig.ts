import crypto from 'node:crypto';
import { SshReader, sshString, sshUint32, SshWireError } from './ssh-wire';

/**
 * SSH signatures as `ssh-keygen -Y sign` makes them (OpenSSH's PROTOCOL.sshsig), for ed25519 keys.
 *
 * The armored signature wraps this blob:
 *   byte[6] "SSHSIG", uint32 version (1), string publickey, string namespace, string reserved,
 *   string hash_algorithm ("sha256" or "sha512"), string signature
 * and the key signs (not the message itself, but):
 *   byte[6] "SSHSIG", string namespace, string reserved, string hash_algorithm, string H(message)
 * The namespace keeps a signature made for one purpose (git commits, files) from being valid for
 * another: drillctl signs and accepts only its own.
 */

export const DRILLCTL_SIGNATURE_NAMESPACE = 'drillctl';

const MAGIC = Buffer.from('SSHSIG');
const BEGIN = '-----BEGIN SSH SIGNATURE-----';
const END = '-----END SSH SIGNATURE-----';
const ED25519 = 'ssh-ed25519';

export class SshSignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SshSignatureError';
  }
}

/** An ed25519 public key: its 32 raw bytes, and the forms people see. */
export interface Ed25519PublicKey {
  raw: Buffer;
  /** `ssh-ed25519 AAAA...`, as in an allowed-signers file or a .pub file (without comment). */
  openssh: string;
  /** `SHA256:...`, as `ssh-keygen -l` prints it. */
  fingerprint: string;
}

export interface ParsedSshSignature {
  publicKey: Ed25519PublicKey;
  namespace: string;
  hashAlgorithm: 'sha256' | 'sha512';
  signature: Buffer;
}

function publicKeyBlob(raw: Buffer): Buffer {
  return Buffer.concat([sshString(ED25519), sshString(raw)]);
}

export function ed25519PublicKey(raw: Buffer): Ed25519PublicKey {
  const blob = publicKeyBlob(raw);
  return {
    raw,
    openssh: `${ED25519} ${blob.toString('base64')}`,
    fingerprint: `SHA256:${crypto.createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`,
  };
}

/** Reads the public-key blob of an OpenSSH key (the base64 field of a .pub or allowed-signers line). */
export function parsePublicKeyBlob(blob: Buffer): Ed25519PublicKey {
  const r = new SshReader(blob);
  const type = r.text('key type');
  if (type !== ED25519) throw new SshSignatureError(`key type ${type} is not supported; drillctl accepts ${ED25519} keys only`);
  const raw = r.string('ed25519 key');
  if (raw.length !== 32 || r.remaining !== 0) throw new SshSignatureError('malformed ssh-ed25519 key');
  return ed25519PublicKey(Buffer.from(raw));
}

function unarmor(armored: string): Buffer {
  const text = armored.trim();
  if (!text.startsWith(BEGIN) || !text.endsWith(END)) throw new SshSignatureError(`not an SSH signature: expected the ${BEGIN} ... ${END} block that \`ssh-keygen -Y sign\` prints`);
  const body = text.slice(BEGIN.length, text.length - END.length).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) throw new SshSignatureError('the SSH signature block is not base64');
  return Buffer.from(body, 'base64');
}

export function armor(blob: Buffer): string {
  const b64 = blob.toString('base64');
  const lines = b64.match(/.{1,70}/g) ?? [];
  return [BEGIN, ...lines, END].join('\n') + '\n';
}

export function parseSshSignature(armored: string): ParsedSshSignature {
  const blob = unarmor(armored);
  try {
    const r = new SshReader(blob);
    if (!r.bytes(6, 'preamble').equals(MAGIC)) throw new SshSignatureError('not an SSHSIG blob (bad preamble)');
    const version = r.uint32('version');
    if (version !== 1) throw new SshSignatureError(`SSHSIG version ${version} is not supported (expected 1)`);
    const publicKey = parsePublicKeyBlob(r.string('public key'));
    const namespace = r.text('namespace');
    r.string('reserved');
    const hashAlgorithm = r.text('hash algorithm');
    if (hashAlgorithm !== 'sha256' && hashAlgorithm !== 'sha512') throw new SshSignatureError(`hash algorithm ${hashAlgorithm} is not supported`);
    const sig = new SshReader(r.string('signature'));
    const sigType = sig.text('signature type');
    if (sigType !== ED25519) throw new SshSignatureError(`signature type ${sigType} is not supported; drillctl accepts ${ED25519} signatures only`);
    const signature = sig.string('ed25519 signature');
    if (signature.length !== 64 || sig.remaining !== 0 || r.remaining !== 0) throw new SshSignatureError('malformed ssh-ed25519 signature');
    return { publicKey, namespace, hashAlgorithm, signature: Buffer.from(signature) };
  } catch (err) {
    if (err instanceof SshWireError) throw new SshSignatureError(`malformed SSH signature: ${err.message}`);
    throw err;
  }
}

function signedData(namespace: string, hashAlgorithm: 'sha256' | 'sha512', message: Buffer): Buffer {
  const digest = crypto.createHash(hashAlgorithm).update(message).digest();
  return Buffer.concat([MAGIC, sshString(namespace), sshString(''), sshString(hashAlgorithm), sshString(digest)]);
}

function nodePublicKey(raw: Buffer): crypto.KeyObject {
  return crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/**
 * Checks an armored signature over `message` in `namespace`; returns the signing key. Which person
 * that key belongs to is the allowed-signers file's business (allowed-signers.ts).
 */
export function verifySshSignature(armored: string, message: Buffer | string, namespace: string): Ed25519PublicKey {
  const sig = parseSshSignature(armored);
  if (sig.namespace !== namespace) throw new SshSignatureError(`the signature is for namespace "${sig.namespace}", not "${namespace}": sign with \`ssh-keygen -Y sign -n ${namespace}\``);
  const data = signedData(sig.namespace, sig.hashAlgorithm, Buffer.isBuffer(message) ? message : Buffer.from(message, 'utf8'));
  if (!crypto.verify(null, data, nodePublicKey(sig.publicKey.raw), sig.signature)) throw new SshSignatureError(`the signature does not match the decision (key ${sig.publicKey.fingerprint}): it was made over something else`);
  return sig.publicKey;
}

/** Signs like `ssh-keygen -Y sign -n namespace` (sha512, as ssh-keygen does by default). */
export function signSshSignature(privateKey: crypto.KeyObject, publicKey: Ed25519PublicKey, message: Buffer | string, namespace: string): string {
  const data = signedData(namespace, 'sha512', Buffer.isBuffer(message) ? message : Buffer.from(message, 'utf8'));
  const signature = crypto.sign(null, data, privateKey);
  const blob = Buffer.concat([MAGIC, sshUint32(1), sshString(publicKeyBlob(publicKey.raw)), sshString(namespace), sshString(''), sshString('sha512'), sshString(Buffer.concat([sshString(ED25519), sshString(signature)]))]);
  return armor(blob);
}
