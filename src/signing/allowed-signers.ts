import { parsePublicKeyBlob, SshSignatureError, type Ed25519PublicKey } from './sshsig';

/**
 * git's `gpg.ssh.allowedSignersFile` format (ssh-keygen(1), ALLOWED SIGNERS): one signer per line,
 *
 *   principals [options] keytype base64-key [comment]
 *
 * principals: comma-separated (quoted if need be); options: comma-separated `namespaces="a,b"`,
 * `valid-after="YYYYMMDD[HHMM[SS]][Z]"`, `valid-before=...`, `cert-authority`. `#` starts a comment.
 * drillctl records the principal the key belongs to, so principals must be plain names (no `*`,
 * `?` or `!` patterns) and certificate authorities are not supported; both are refused by line.
 */

export interface AllowedSigner {
  line: number;
  principals: string[];
  /** Namespace patterns the key may sign in; absent means any. */
  namespaces?: string[];
  validAfter?: Date;
  validBefore?: Date;
  keyType: string;
  /** Set for ssh-ed25519 lines; other key types are kept (a shared file may hold them) but never match. */
  key?: Ed25519PublicKey;
}

export class AllowedSignersError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${source} line ${line}: ${detail}`);
    this.name = 'AllowedSignersError';
  }
}

/** Splits at whitespace outside double quotes. */
function tokens(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && /\s/.test(ch)) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (quoted) throw new Error('unterminated quote');
  if (cur) out.push(cur);
  return out;
}

/** Splits at commas outside double quotes. */
function commaList(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

const unquote = (s: string): string => (s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s);

const KEY_TYPE = /^(ssh-|ecdsa-|sk-|rsa-)/;

/** YYYYMMDD or YYYYMMDDHHMM[SS], local time unless it ends in Z (as ssh-keygen reads them). */
function timestamp(value: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(Z?)$/i.exec(value);
  if (!m) throw new Error(`"${value}" is not a time like 20260131, 202601311200 or 20260131120000Z`);
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  return m[7] ? new Date(Date.UTC(y, mo - 1, d, h, mi, s)) : new Date(y, mo - 1, d, h, mi, s);
}

function parseLine(text: string, line: number, source: string): AllowedSigner | undefined {
  const trimmed = text.trim();
  if (!trimmed || trimmed.startsWith('#')) return undefined;
  const fail = (detail: string): never => {
    throw new AllowedSignersError(source, line, detail);
  };
  let parts: string[];
  try {
    parts = tokens(trimmed);
  } catch (err) {
    return fail((err as Error).message);
  }
  const principals = commaList(parts.shift()!).map((p) => unquote(p).trim());
  if (principals.some((p) => !p)) fail('an empty principal; list names separated by commas, without spaces');
  const pattern = principals.find((p) => /[*?!]/.test(p));
  if (pattern) fail(`principal "${pattern}" is a pattern; drillctl records who signed, so name each principal plainly`);
  const signer: AllowedSigner = { line, principals, keyType: '' };
  if (parts[0] && !KEY_TYPE.test(parts[0])) {
    for (const option of commaList(parts.shift()!)) {
      const eq = option.indexOf('=');
      const name = (eq < 0 ? option : option.slice(0, eq)).toLowerCase();
      const value = eq < 0 ? undefined : unquote(option.slice(eq + 1));
      try {
        if (name === 'cert-authority') fail('cert-authority lines are not supported; list each person\'s key');
        else if (name === 'namespaces' && value !== undefined) signer.namespaces = value.split(',').map((n) => n.trim());
        else if (name === 'valid-after' && value !== undefined) signer.validAfter = timestamp(value);
        else if (name === 'valid-before' && value !== undefined) signer.validBefore = timestamp(value);
        else fail(`unknown option "${option}"; expected namespaces="...", valid-after="...", valid-before="..."`);
      } catch (err) {
        if (err instanceof AllowedSignersError) throw err;
        fail(`option ${name}: ${(err as Error).message}`);
      }
    }
  }
  const [keyType, keyData] = parts;
  if (!keyType || !keyData) return fail('expected "principals [options] keytype base64-key", like: alice@example.com ssh-ed25519 AAAAC3Nza...');
  signer.keyType = keyType;
  if (keyType === 'ssh-ed25519') {
    try {
      signer.key = parsePublicKeyBlob(Buffer.from(keyData, 'base64'));
    } catch (err) {
      fail(err instanceof SshSignatureError ? err.message : 'the key is not valid base64');
    }
  }
  return signer;
}

export function parseAllowedSigners(text: string, source = 'allowed signers'): AllowedSigner[] {
  return text.split(/\r?\n/).flatMap((l, i) => parseLine(l, i + 1, source) ?? []);
}

function globMatches(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(value);
}

/** ssh's pattern lists: any positive pattern matches and no `!pattern` does. */
function namespaceAllowed(patterns: string[] | undefined, namespace: string): boolean {
  if (!patterns) return true;
  if (patterns.some((p) => p.startsWith('!') && globMatches(p.slice(1), namespace))) return false;
  return patterns.some((p) => !p.startsWith('!') && globMatches(p, namespace));
}

export interface SignerMatch {
  principals: string[];
  /** Why a line with this key did not count (namespace, validity window), when none did. */
  excluded: string[];
}

/** The principals the key signs for in `namespace` at time `at` (as `ssh-keygen -Y find-principals`). */
export function principalsForKey(signers: AllowedSigner[], key: Ed25519PublicKey, namespace: string, at: Date): SignerMatch {
  const principals: string[] = [];
  const excluded: string[] = [];
  for (const s of signers) {
    if (!s.key?.raw.equals(key.raw)) continue;
    if (!namespaceAllowed(s.namespaces, namespace)) excluded.push(`line ${s.line} limits the key to namespaces ${s.namespaces!.join(',')}`);
    else if (s.validAfter && at < s.validAfter) excluded.push(`line ${s.line} makes the key valid only after ${s.validAfter.toISOString()}`);
    else if (s.validBefore && at > s.validBefore) excluded.push(`line ${s.line} made the key valid only before ${s.validBefore.toISOString()}`);
    else for (const p of s.principals) if (!principals.includes(p)) principals.push(p);
  }
  return { principals, excluded };
}
