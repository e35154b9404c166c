import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { AllowedSignersError, parseAllowedSigners, principalsForKey } from '../../src/signing/allowed-signers';
import { generateOpenSshKey, isEncryptedOpenSshKey, parseOpenSshPrivateKey } from '../../src/signing/openssh-key';
import { DRILLCTL_SIGNATURE_NAMESPACE as NS, parseSshSignature, signSshSignature, SshSignatureError, verifySshSignature } from '../../src/signing/sshsig';
import { signDecision } from '../../src/signing/sign-decision';
import { decisionMessage, type DecisionPayload } from '../../src/domain/decision-signature';
import { tempDir } from '../support/worker';

/** The real ssh-keygen makes the keys and signatures, so compatibility with `ssh-keygen -Y sign` is proven, not assumed. */
function keygen(dir: string, name: string, passphrase = ''): { key: string; pub: string } {
  const key = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', `${name}@example.com`, '-f', key]);
  return { key, pub: fs.readFileSync(`${key}.pub`, 'utf8').trim() };
}

function sshSign(key: string, message: string, namespace = NS): string {
  return execFileSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', key, '-n', namespace], { input: message }).toString();
}

function sshVerify(allowedSigners: string, principal: string, signature: string, message: string, dir: string): boolean {
  const sigFile = path.join(dir, 'check.sig');
  fs.writeFileSync(sigFile, signature);
  try {
    execFileSync('ssh-keygen', ['-Y', 'verify', '-f', allowedSigners, '-I', principal, '-n', NS, '-s', sigFile], { input: message, stdio: ['pipe', 'pipe', 'pipe'] });
    return true;
  } catch {
    return false;
  }
}

describe('SSH signatures (ssh-keygen -Y sign format)', () => {
  const dir = tempDir('sshsig');
  const alice = keygen(dir, 'alice');
  const bob = keygen(dir, 'bob');
  const message = '{"decision":"approve","nonce":"n-1","step":"canary"}';

  it('verifies a signature made by the real ssh-keygen and names the key', () => {
    const key = verifySshSignature(sshSign(alice.key, message), message, NS);
    assert.equal(key.openssh, alice.pub.split(' ').slice(0, 2).join(' '));
    const fingerprint = execFileSync('ssh-keygen', ['-l', '-f', `${alice.key}.pub`]).toString().split(' ')[1];
    assert.equal(key.fingerprint, fingerprint);
  });

  it('refuses a signature over another message, in another namespace, or tampered with', () => {
    const sig = sshSign(alice.key, message);
    assert.throws(() => verifySshSignature(sig, message.replace('canary', 'full'), NS), /does not match the decision/);
    assert.throws(() => verifySshSignature(sshSign(alice.key, message, 'git'), message, NS), /namespace "git", not "drillctl"/);
    const parsed = parseSshSignature(sig);
    const bobKey = parseSshSignature(sshSign(bob.key, message)).publicKey;
    // Swap the key inside the blob: bob's key cannot vouch for alice's signature.
    const blob = Buffer.from(sig.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
    const swapped = Buffer.from(blob.toString('hex').replace(parsed.publicKey.raw.toString('hex'), bobKey.raw.toString('hex')), 'hex');
    const armored = `-----BEGIN SSH SIGNATURE-----\n${swapped.toString('base64')}\n-----END SSH SIGNATURE-----\n`;
    assert.throws(() => verifySshSignature(armored, message, NS), /does not match/);
    assert.throws(() => verifySshSignature('hello', message, NS), SshSignatureError);
  });

  it('signs in process so that the real ssh-keygen -Y verify accepts it', () => {
    const pair = parseOpenSshPrivateKey(fs.readFileSync(alice.key, 'utf8'));
    assert.equal(pair.comment, 'alice@example.com');
    const sig = signSshSignature(pair.privateKey, pair.publicKey, message, NS);
    const allowed = path.join(dir, 'allowed_signers');
    fs.writeFileSync(allowed, `alice@example.com ${alice.pub}\n`);
    assert.equal(sshVerify(allowed, 'alice@example.com', sig, message, dir), true);
    assert.equal(sshVerify(allowed, 'alice@example.com', sig, `${message} `, dir), false);
  });

  it('generates keys that ssh-keygen reads and signs with', () => {
    const generated = generateOpenSshKey('demo@drillctl');
    const key = path.join(dir, 'generated');
    fs.writeFileSync(key, generated.privateKeyFile, { mode: 0o600 });
    const derived = execFileSync('ssh-keygen', ['-y', '-f', key]).toString().trim();
    assert.equal(derived.split(' ').slice(0, 2).join(' '), generated.publicKeyLine.split(' ').slice(0, 2).join(' '));
    assert.equal(verifySshSignature(sshSign(key, message), message, NS).openssh, derived.split(' ').slice(0, 2).join(' '));
  });

  it('tells a passphrase-protected key apart and will not decrypt it', () => {
    const locked = keygen(dir, 'locked', 'correct horse');
    const text = fs.readFileSync(locked.key, 'utf8');
    assert.equal(isEncryptedOpenSshKey(text), true);
    assert.equal(isEncryptedOpenSshKey(fs.readFileSync(alice.key, 'utf8')), false);
    assert.throws(() => parseOpenSshPrivateKey(text), /passphrase-protected/);
  });
});

describe('the CLI signs decisions', () => {
  const dir = tempDir('cli-sign');
  const payload: DecisionPayload = { workflowId: 'traffic-prod-convex', runId: 'r1', step: 'canary', decision: 'approve', reason: 'ok', nonce: 'n1' };

  it('with a passphrase-protected key held by ssh-agent, given its .pub file', async () => {
    const locked = keygen(dir, 'agent-held', 'long passphrase');
    const sock = path.join(dir, 'agent.sock');
    const out = execFileSync('ssh-agent', ['-a', sock]).toString();
    const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(out)![1]);
    const saved = process.env.SSH_AUTH_SOCK;
    try {
      // ssh-add reads the passphrase through SSH_ASKPASS when there is no terminal.
      const askpass = path.join(dir, 'askpass.sh');
      fs.writeFileSync(askpass, '#!/bin/sh\necho "long passphrase"\n', { mode: 0o700 });
      execFileSync('ssh-add', [locked.key], { env: { PATH: process.env.PATH, SSH_AUTH_SOCK: sock, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' }, stdio: ['ignore', 'pipe', 'pipe'] });
      process.env.SSH_AUTH_SOCK = sock;
      const sig = await signDecision(`${locked.key}.pub`, payload);
      assert.equal(verifySshSignature(sig, decisionMessage(payload), NS).openssh, locked.pub.split(' ').slice(0, 2).join(' '));
    } finally {
      if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = saved;
      process.kill(pid);
    }
  });

  it('refuses a key it cannot use, saying what to do', async () => {
    await assert.rejects(signDecision(path.join(dir, 'missing'), payload), /cannot read signing key .*missing: ENOENT/);
  });
});

describe("allowed signers (git's allowedSignersFile format)", () => {
  const dir = tempDir('allowed');
  const alice = keygen(dir, 'alice');
  const bob = keygen(dir, 'bob');
  const carol = keygen(dir, 'carol');
  const text = [
    '# drillctl approvers',
    '',
    `alice@example.com,"Alice A" ${alice.pub}`,
    `bob@example.com namespaces="git,drillctl" ${bob.pub}`,
    `carol@example.com namespaces="git" ${carol.pub}`,
    `old@example.com valid-before="20200101Z" ${carol.pub}`,
    'rsa@example.com ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ',
  ].join('\n');
  const signers = parseAllowedSigners(text, 'allowed_signers');
  const keyOf = (key: string): ReturnType<typeof verifySshSignature> => verifySshSignature(sshSign(key, 'x'), 'x', NS);

  it('accepts a key for exactly the principals the real ssh-keygen -Y verify accepts it for', () => {
    const file = path.join(dir, 'allowed_signers');
    fs.writeFileSync(file, text);
    const everyone = ['alice@example.com', 'Alice A', 'bob@example.com', 'carol@example.com', 'old@example.com'];
    for (const person of [alice, bob, carol]) {
      const sig = sshSign(person.key, 'x');
      const theirs = everyone.filter((p) => sshVerify(file, p, sig, 'x', dir));
      const ours = principalsForKey(signers, keyOf(person.key), NS, new Date()).principals;
      assert.deepEqual([...ours].sort(), theirs.sort(), `principals of ${person.pub}`);
    }
  });

  it('says why a known key does not count', () => {
    const match = principalsForKey(signers, keyOf(carol.key), NS, new Date());
    assert.deepEqual(match.principals, []);
    assert.match(match.excluded.join('; '), /line 5 limits the key to namespaces git/);
    assert.match(match.excluded.join('; '), /line 6 made the key valid only before 2020-01-01/);
  });

  it('refuses patterns, certificate authorities and malformed lines, naming the line', () => {
    assert.throws(() => parseAllowedSigners(`*@example.com ${alice.pub}`, 'f'), (e: unknown) => e instanceof AllowedSignersError && /f line 1: principal "\*@example.com" is a pattern/.test(e.message));
    assert.throws(() => parseAllowedSigners(`\nca@example.com cert-authority ${alice.pub}`, 'f'), /f line 2: cert-authority/);
    assert.throws(() => parseAllowedSigners('alice@example.com', 'f'), /f line 1: expected "principals \[options\] keytype base64-key"/);
    assert.throws(() => parseAllowedSigners(`alice valid-after="yesterday" ${alice.pub}`, 'f'), /option valid-after: "yesterday" is not a time/);
  });
});
