import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { quietActivityEnv, runActivity } from '../support/backup-activity-env';
import { ApplicationFailure } from '@temporalio/common';
import yazl from 'yazl';
import { readSnapshotManifest, SnapshotInvalidError } from '../../src/activities/backup/read-snapshot';
import { verifySnapshot } from '../../src/activities/backup/verify-snapshot';
import { pruneSnapshots } from '../../src/activities/backup/prune-snapshots';
import type { SnapshotManifest } from '../../src/domain/snapshot/manifest';

const MESSAGES = ['{"_creationTime":1712345678901.5,"_id":"m1","score":1.0}', '{"_creationTime":1712345678902.5,"_id":"m2","big":9007199254740993,"raw":{"$bytes":"AAH+/w=="}}'];

async function writeZip(file: string, entries: [string, string][]): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const [name, body] of entries) zip.addBuffer(Buffer.from(body), name, { compress: true });
  zip.end();
  await pipeline(zip.outputStream, fs.createWriteStream(file));
}

function snapshotEntries(messages = MESSAGES): [string, string][] {
  return [
    ['README.md', 'snapshot\n'],
    ['_tables/documents.jsonl', '{"name":"messages","id":10001}\n{"name":"users","id":10002}\n'],
    ['messages/documents.jsonl', messages.map((l) => `${l}\n`).join('')],
    ['messages/generated_schema.jsonl', '"uniform"\n'],
    ['users/documents.jsonl', '{"_creationTime":1712345678903.5,"_id":"u1","name":"Ada"}\n'],
    ['users/generated_schema.jsonl', '"uniform"\n'],
  ];
}

async function expectInvalid(file: string, pattern: RegExp): Promise<void> {
  await assert.rejects(readSnapshotManifest(file, path.basename(file)), (err: unknown) => {
    assert.ok(err instanceof SnapshotInvalidError, `expected SnapshotInvalidError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('snapshot verification (streamed ZIP, manifest)', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snapshot-verify-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists tables, counts documents, hashes every entry and writes the manifest next to the snapshot', async () => {
    const zip = path.join(dir, 'convex-test-export-20260101T000000000Z.zip');
    await writeZip(zip, snapshotEntries());
    const manifestPath = zip.replace(/\.zip$/, '.manifest.json');
    const summary = await runActivity(quietActivityEnv(), verifySnapshot, { zipPath: zip, manifestPath });
    assert.deepEqual(summary.tables.map((t) => [t.name, t.documents]), [['messages', 2], ['users', 1]]);
    assert.equal(summary.totalDocuments, 3);
    assert.deepEqual(summary.warnings, []);
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as SnapshotManifest;
    assert.equal(manifest.entries.length, 6);
    assert.ok(manifest.entries.every((e) => /^[0-9a-f]{64}$/.test(e.sha256) && /^[0-9a-f]{8}$/.test(e.crc32)));
    assert.equal(manifest.zipBytes, fs.statSync(zip).size);
    assert.equal(manifest.entries.find((e) => e.path === 'messages/documents.jsonl')?.bytes, MESSAGES.join('\n').length + 1);
  });

  it('digests lines that span read chunks, one longer than a chunk, as a line-by-line reading does', async () => {
    // Several MiB of deflated JSONL arrive in 1 MiB chunks on the line-digest thread, which
    // hands each buffer back: lines cut by a chunk boundary must be digested whole.
    const lines: string[] = [];
    for (let i = 0; lines.join('\n').length < 6 << 20; i++) lines.push(`{"_creationTime":${i}.5,"_id":"d${i}","pad":"${'x'.repeat((i * 7919) % 4000)}"}`);
    lines.splice(100, 0, `{"_creationTime":1.5,"_id":"huge","pad":"${crypto.randomBytes(900_000).toString('hex')}"}`);
    const zip = path.join(dir, 'chunks.zip');
    await writeZip(zip, [...snapshotEntries().filter(([name]) => !name.startsWith('messages/documents')), ['messages/documents.jsonl', lines.map((l) => `${l}\n`).join('')]]);
    const manifest = await readSnapshotManifest(zip, 'chunks.zip');
    const sum = lines.reduce((acc, l) => (acc + BigInt(`0x${crypto.createHash('sha256').update(l).digest('hex')}`)) % (1n << 256n), 0n);
    const messages = manifest.tables.find((t) => t.name === 'messages')!;
    assert.equal(messages.documents, lines.length);
    assert.equal(messages.documentsDigest, sum.toString(16).padStart(64, '0'));
    assert.equal(manifest.zipSha256, crypto.createHash('sha256').update(fs.readFileSync(zip)).digest('hex'));
  });

  it('fails a truncated snapshot with a clear reason', async () => {
    const zip = path.join(dir, 'cut.zip');
    await writeZip(zip, snapshotEntries());
    fs.truncateSync(zip, Math.floor(fs.statSync(zip).size / 2));
    await expectInvalid(zip, /truncated or not a ZIP file: no end-of-central-directory record/);
  });

  it('fails a snapshot whose compressed data was corrupted, naming the entry', async () => {
    const zip = path.join(dir, 'flipped.zip');
    const big = Array.from({ length: 2000 }, (_, i) => `{"_creationTime":${i}.5,"_id":"d${i}","text":"${'lorem ipsum '.repeat(4)}${i}"}`);
    await writeZip(zip, snapshotEntries(big));
    const bytes = fs.readFileSync(zip);
    const at = bytes.indexOf(Buffer.from('messages/documents.jsonl')) + 200;
    for (let i = 0; i < 16; i++) bytes[at + i] = bytes[at + i]! ^ 0xff;
    fs.writeFileSync(zip, bytes);
    await expectInvalid(zip, /messages\/documents\.jsonl (cannot be read|is corrupted)/);
  });

  it('fails a snapshot whose last document was cut, or a table that _tables lists but is missing', async () => {
    const cut = path.join(dir, 'cut-line.zip');
    const entries = snapshotEntries();
    entries[2] = ['messages/documents.jsonl', `${MESSAGES[0]}\n${MESSAGES[1]!.slice(0, 30)}`];
    await writeZip(cut, entries);
    await expectInvalid(cut, /messages\/documents\.jsonl line 2: the last document has no trailing newline/);
    const missing = path.join(dir, 'missing.zip');
    await writeZip(missing, snapshotEntries().filter(([name]) => !name.startsWith('users/')));
    await expectInvalid(missing, /table users is listed in _tables\/documents\.jsonl but users\/documents\.jsonl is missing/);
  });

  it('numbers bad lines as a line-by-line reading does, however many MiB and threads they pass through', async () => {
    // Lines are digested in blocks on several threads; problems must still name the line as read.
    const lines: string[] = [];
    for (let i = 0, size = 0; size < 5 << 20; i++) size += lines[lines.push(`{"_creationTime":${i}.5,"_id":"d${i}","pad":"${'y'.repeat((i * 7919) % 3000)}"}`) - 1]!.length + 1;
    const bad = [Math.floor(lines.length * 0.4), Math.floor(lines.length * 0.8)];
    lines[bad[0]!] = '';
    lines[bad[1]!] = '["not", "an", "object"]\r';
    const zip = path.join(dir, 'bad-lines.zip');
    await writeZip(zip, [...snapshotEntries().filter(([name]) => !name.startsWith('messages/documents')), ['messages/documents.jsonl', lines.map((l) => `${l}\n`).join('')]]);
    const where = 'messages/documents.jsonl line';
    await assert.rejects(readSnapshotManifest(zip, 'bad-lines.zip'), (err: unknown) => {
      assert.ok(err instanceof SnapshotInvalidError);
      assert.deepEqual(
        err.reasons.filter((r) => r.startsWith('messages/')),
        [`${where} ${bad[0]! + 1}: empty line`, `${where} ${bad[1]! + 1}: line ends with \\r\\n; Convex writes \\n only`, `${where} ${bad[1]! + 1}: not a JSON object (a document line starts with { and ends with })`],
      );
      return true;
    });
  });

  it('turns an invalid snapshot into a non-retryable SnapshotInvalid failure', async () => {
    const zip = path.join(dir, 'empty.zip');
    fs.writeFileSync(zip, '');
    await assert.rejects(runActivity(quietActivityEnv(), verifySnapshot, { zipPath: zip, manifestPath: `${zip}.manifest.json` }), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'SnapshotInvalid');
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, /empty\.zip failed verification: the file is empty/);
      return true;
    });
    assert.equal(fs.existsSync(`${zip}.manifest.json`), false);
  });

  it('resumes from the entries an earlier attempt recorded instead of reading them again', async () => {
    const zip = path.join(dir, 'resume.zip');
    await writeZip(zip, snapshotEntries());
    const first = await readSnapshotManifest(zip, 'resume.zip');
    const messages = first.entries.find((e) => e.path === 'messages/documents.jsonl')!;
    // A marker value proves the entry was taken from the heartbeat and not re-read.
    const recorded = { ...messages, documents: 99 };
    const env = quietActivityEnv({ attempt: 2, heartbeatDetails: { entries: [recorded], zipSha256: first.zipSha256, bytesTotal: first.zipBytes } });
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const summary = await runActivity(env, verifySnapshot, { zipPath: zip, manifestPath: `${zip}.manifest.json` });
    assert.equal(summary.tables.find((t) => t.name === 'messages')?.documents, 99);
    assert.ok(beats.length > 0, 'progress is heartbeated');
  });

  it('a retry after the comparison export was already verified and discarded returns the recorded manifest', async () => {
    const zip = path.join(dir, 'back.zip');
    await writeZip(zip, snapshotEntries());
    const req = { zipPath: zip, manifestPath: `${zip}.manifest.json`, discardZip: true };
    const first = await runActivity(quietActivityEnv(), verifySnapshot, req);
    assert.equal(fs.existsSync(zip), false);
    const again = await runActivity(quietActivityEnv({ attempt: 2 }), verifySnapshot, req);
    assert.deepEqual(again, first);
  });

  it('streams: peak memory does not grow with the snapshot (20 MB vs 200 MB of documents)', async function () {
    this.timeout(240_000);
    async function bigSnapshot(file: string, documentBytes: number): Promise<void> {
      function* lines(): Generator<Buffer> {
        for (let written = 0, i = 0; written < documentBytes; ) {
          const batch: string[] = [];
          for (let k = 0; k < 1000; k++, i++) batch.push(`{"_creationTime":${i}.5,"_id":"d${i}","blob":"${crypto.randomBytes(300).toString('base64')}"}\n`);
          const b = Buffer.from(batch.join(''));
          written += b.length;
          yield b;
        }
      }
      const zip = new yazl.ZipFile();
      zip.addBuffer(Buffer.from('{"name":"big","id":10001}\n'), '_tables/documents.jsonl');
      zip.addReadStream(Readable.from(lines()), 'big/documents.jsonl');
      zip.addBuffer(Buffer.from('"uniform"\n'), 'big/generated_schema.jsonl');
      zip.end();
      await pipeline(zip.outputStream, fs.createWriteStream(file));
    }
    // Measured in a fresh process so this test's own allocations do not count.
    const peakRssMb = (file: string): { peak: number; documents: number } => {
      const script = `const { readSnapshotManifest } = require(${JSON.stringify(require.resolve('../../src/activities/backup/read-snapshot'))});
        let peak = 0; const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
        readSnapshotManifest(${JSON.stringify(file)}, 'big.zip').then((m) => { clearInterval(t); peak = Math.max(peak, process.memoryUsage().rss);
          console.log(JSON.stringify({ peak: peak / 1048576, documents: m.totalDocuments })); });`;
      const out = execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { encoding: 'utf8' });
      return JSON.parse(out.trim().split('\n').pop()!) as { peak: number; documents: number };
    };
    const small = path.join(dir, 'small.zip');
    const large = path.join(dir, 'large.zip');
    await bigSnapshot(small, 20 << 20);
    await bigSnapshot(large, 200 << 20);
    const a = peakRssMb(small);
    const b = peakRssMb(large);
    assert.ok(b.documents > 9 * a.documents, `the large snapshot has ${b.documents} documents, the small ${a.documents}`);
    assert.ok(b.peak - a.peak < 60, `peak RSS grew from ${a.peak.toFixed(0)} MB to ${b.peak.toFixed(0)} MB for 10x the data`);
  });

  it('keeps only the newest snapshots of the environment', async () => {
    for (const stamp of ['20260101T000000000Z', '20260102T000000000Z', '20260103T000000000Z']) {
      fs.writeFileSync(path.join(dir, `convex-sandbox-export-${stamp}.zip`), 'x');
      fs.writeFileSync(path.join(dir, `convex-sandbox-export-${stamp}.manifest.json`), '{}');
    }
    fs.writeFileSync(path.join(dir, 'keep-me.txt'), 'x');
    const { removed } = await pruneSnapshots({ dir, environment: 'sandbox', keep: 1 });
    assert.equal(removed.length, 4);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['convex-sandbox-export-20260103T000000000Z.manifest.json', 'convex-sandbox-export-20260103T000000000Z.zip', 'keep-me.txt']);
  });
});
