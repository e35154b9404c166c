import crypto from 'node:crypto';
import { ed25519PublicKey, SshSignatureError, type Ed25519PublicKey } from './sshsig';
import { SshReader, sshString, sshUint32, SshWireError } from './ssh-wire';

/**
 * OpenSSH's private key file ("openssh-key-v1", what `ssh-keygen -t ed25519` writes), for an
 * unencrypted ed25519 key. A passphrase-protected key is signed by `ssh-keygen` itself (or the
 * agent), never decrypted here: `isEncryptedOpenSshKey` tells the caller which way to go.
 */

const BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
const END = '-----END OPENSSH PRIVATE KEY-----';
const AUTH_MAGIC = Buffer.from('openssh-key-v1\0');

export interface Ed25519KeyPair {
  privateKey: crypto.KeyObject;
  publicKey: Ed25519PublicKey;
  comment: string;
}

function body(text: string): Buffer {
  const t = text.trim();
  if (!t.startsWith(BEGIN) || !t.endsWith(END)) throw new SshSignatureError(`not an OpenSSH private key (expected ${BEGIN})`);
  return Buffer.from(t.slice(BEGIN.length, t.length - END.length).replace(/\s+/g, ''), 'base64');
}

function header(buf: Buffer): { r: SshReader; cipher: string } {
  if (!buf.subarray(0, AUTH_MAGIC.length).equals(AUTH_MAGIC)) throw new SshSignatureError('not an openssh-key-v1 private key');
  const r = new SshReader(buf.subarray(AUTH_MAGIC.length));
  const cipher = r.text('cipher name');
  return { r, cipher };
}

export function isEncryptedOpenSshKey(text: string): boolean {
  return header(body(text)).cipher !== 'none';
}

export function parseOpenSshPrivateKey(text: string): Ed25519KeyPair {
  try {
    const { r, cipher } = header(body(text));
    if (cipher !== 'none') throw new SshSignatureError('the key is passphrase-protected; sign with ssh-keygen (it asks for the passphrase) or load it into ssh-agent');
    r.text('kdf name');
    r.string('kdf options');
    if (r.uint32('key count') !== 1) throw new SshSignatureError('expected one key in the file');
    r.string('public key');
    const priv = new SshReader(r.string('private section'));
    if (priv.uint32('check') !== priv.uint32('check')) throw new SshSignatureError('corrupt private key (check bytes differ)');
    const type = priv.text('key type');
    if (type !== 'ssh-ed25519') throw new SshSignatureError(`key type ${type} is not supported; drillctl signs with ssh-ed25519 keys (ssh-keygen -t ed25519)`);
    const pub = Buffer.from(priv.string('public key'));
    const secret = priv.string('private key');
    if (pub.length !== 32 || secret.length !== 64) throw new SshSignatureError('malformed ssh-ed25519 private key');
    const comment = priv.text('comment');
    const privateKey = crypto.createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: secret.subarray(0, 32).toString('base64url'), x: pub.toString('base64url') }, format: 'jwk' });
    return { privateKey, publicKey: ed25519PublicKey(pub), comment };
  } catch (err) {
    if (err instanceof SshWireError) throw new SshSignatureError(`malformed OpenSSH private key: ${err.message}`);
    throw err;
  }
}

/** A new unencrypted ed25519 key in OpenSSH's format, readable by ssh-keygen and ssh-add (the demo's key). */
export function generateOpenSshKey(comment: string): { privateKeyFile: string; publicKeyLine: string } {
  const { privateKey } = crypto.generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const pub = Buffer.from(jwk.x!, 'base64url');
  const seed = Buffer.from(jwk.d!, 'base64url');
  const pubBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  const check = crypto.randomBytes(4);
  let section = Buffer.concat([check, check, sshString('ssh-ed25519'), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(comment)]);
  const pad = (8 - (section.length % 8)) % 8;
  section = Buffer.concat([section, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const blob = Buffer.concat([AUTH_MAGIC, sshString('none'), sshString('none'), sshString(''), sshUint32(1), sshString(pubBlob), sshString(section)]);
  const b64 = blob.toString('base64').match(/.{1,70}/g)!.join('\n');
  return { privateKeyFile: `${BEGIN}\n${b64}\n${END}\n`, publicKeyLine: `ssh-ed25519 ${pubBlob.toString('base64')} ${comment}` };
}
