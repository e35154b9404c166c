import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { childEnvironment, runChildProcess } from '../../src/activities/child-process';
import { redactedExcerpt } from '../../src/activities/redaction';

const SECRET = 'adm1n|k3y-0123456789abcdef-very-secret';

/** A node program that writes `text` to stderr in two writes, `pauseMs` apart. */
function splitWriter(text: string, at: number, pauseMs = 300): string[] {
  const script = `const t = process.argv[1]; process.stderr.write(t.slice(0, ${at})); setTimeout(() => process.stderr.write(t.slice(${at})), ${pauseMs});`;
  return [process.execPath, '-e', script, text];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('runChildProcess: the one way the product runs a child process', function () {
  this.timeout(30_000);

  it('redacts a secret the child wrote in two chunks, in the output, each stream and every line', async () => {
    const text = `Error: the key ${SECRET} is not valid here\n`;
    const lines: string[] = [];
    const run = await runChildProcess({ argv: splitWriter(text, text.indexOf(SECRET) + 7), env: childEnvironment(), secrets: [SECRET], timeoutMs: 10_000, onLine: (l) => lines.push(l) });
    assert.equal(run.exitCode, 0);
    for (const shown of [run.output, run.stderr, ...lines]) {
      assert.ok(!shown.includes(SECRET.slice(0, 7)) && !shown.includes(SECRET.slice(7)), `a half of the key in ${JSON.stringify(shown)}`);
    }
    assert.equal(run.stderr, 'Error: the key [redacted] is not valid here\n');
    assert.deepEqual(lines, ['Error: the key [redacted] is not valid here']);
  });

  it("redacts the worker's own credentials even when the child was not given them", async () => {
    process.env.CHILD_TEST_API_KEY = 'worker-held-credential-42';
    try {
      const run = await runChildProcess({ argv: splitWriter('leaked worker-held-credential-42!\n', 15), env: childEnvironment(), timeoutMs: 10_000 });
      assert.equal(run.stderr, 'leaked [redacted]!\n');
    } finally {
      delete process.env.CHILD_TEST_API_KEY;
    }
  });

  it('gives the child an allow-listed environment plus what the caller states, never the worker\'s credentials', async () => {
    const parent = { PATH: '/usr/bin', HOME: '/home/w', LANG: 'C.UTF-8', LC_TIME: 'C', CONVEX_ADMIN_KEY: 'x', TEMPORAL_API_KEY: 'y', AWS_SECRET_ACCESS_KEY: 'z', NODE_OPTIONS: '--require /evil.js' };
    assert.deepEqual(childEnvironment({ set: { MIX_ENV: 'prod' } }, parent), { PATH: '/usr/bin', HOME: '/home/w', LANG: 'C.UTF-8', LC_TIME: 'C', MIX_ENV: 'prod' });
    assert.deepEqual(childEnvironment({ inherit: ['NODE_EXTRA_CA_CERTS'], set: { TOKEN: 'only-this-one' } }, { ...parent, NODE_EXTRA_CA_CERTS: '/ca.pem' }).TOKEN, 'only-this-one');
  });

  it('kills the whole process group at the timeout, grandchildren included', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'child-group-'));
    const pidFile = path.join(dir, 'grandchild.pid');
    // The child starts a grandchild that would outlive it, records its pid, and hangs.
    const script = `const { spawn } = require('node:child_process'); const g = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); require('fs').writeFileSync(process.argv[1], String(g.pid)); setInterval(() => {}, 1000);`;
    const run = await runChildProcess({ argv: [process.execPath, '-e', script, pidFile], env: childEnvironment(), timeoutMs: 1500 });
    assert.equal(run.timedOut, true);
    assert.equal(run.signal, 'SIGKILL');
    const grandchild = Number(fs.readFileSync(pidFile, 'utf8'));
    for (let i = 0; i < 50 && alive(grandchild); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(alive(grandchild), false, 'the grandchild was killed with its group');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('says why a program could not start, without throwing', async () => {
    const run = await runChildProcess({ argv: ['definitely-not-a-program-9c1e'], env: childEnvironment(), timeoutMs: 5000 });
    assert.equal(run.spawnError?.code, 'ENOENT');
  });

  it('a failure excerpt is short, single-line, and redacted before it is cut', () => {
    const body = `<html>\n<p>token ${SECRET}</p>${'x'.repeat(1000)}</html>`;
    const excerpt = redactedExcerpt(body, [SECRET]);
    assert.ok(excerpt.length < 260, excerpt);
    assert.match(excerpt, /^<html> <p>token \[redacted\]<\/p>x+… \(\d+ more characters\)$/);
    // A secret straddling the cut is redacted whole, never half-shown.
    const straddling = redactedExcerpt(`${'y'.repeat(190)}${SECRET}`, [SECRET]);
    assert.ok(!straddling.includes(SECRET.slice(0, 10)), straddling);
  });
});
