// Child process of the snapshot-verify benchmark: `snapshot-measure.ts raw|manifest|inflate|lines <zip>` reads
// the snapshot one way and prints {ms, maxRssKiB, ...} as JSON, so peak RSS is this process's own.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { openEntryData } from '../../src/activities/backup/inflate-entry';
import { readSnapshotManifest, type ReadProgress } from '../../src/activities/backup/read-snapshot';
import { classifyEntry } from '../../src/domain/snapshot/entry-path';
import { MultisetDigest } from '../../src/domain/snapshot/multiset-digest';

async function raw(file: string): Promise<Record<string, unknown>> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return { sha256: hash.digest('hex') };
}

async function manifest(file: string): Promise<Record<string, unknown>> {
  // As the activity does: progress goes to a heartbeat that keeps only the latest.
  let latest: ReadProgress | undefined;
  let hashedMs = 0;
  const t0 = performance.now();
  const m = await readSnapshotManifest(file, path.basename(file), {
    onProgress: (p) => {
      if (!hashedMs && p.step === 'entries') hashedMs = performance.now() - t0;
      latest = p;
    },
  });
  return { sha256: m.zipSha256, documents: m.totalDocuments, bytes: m.tables.reduce((n, t) => n + t.bytes, 0), hashedMs, entries: latest?.entriesDone };
}

/** Calls `each` with every entry's data stream, one entry at a time, through the manifest's reader. */
async function eachEntry(file: string, each: (entry: yauzl.Entry, stream: Readable) => void): Promise<void> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => yauzl.open(file, { lazyEntries: true, autoClose: false }, (err, z) => (err ? reject(err) : resolve(z))));
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) =>
      openEntryData(zip, file, entry).then((stream) => {
        each(entry, stream);
        stream.on('error', reject);
        stream.on('end', () => zip.readEntry());
      }, reject),
    );
    zip.readEntry();
  });
  zip.close();
}

/**
 * Only inflates every entry (no hashing), through the same reader as manifest building (1 MiB reads
 * and inflate chunks): the ceiling for any manifest that reads the documents this way.
 */
async function inflate(file: string): Promise<Record<string, unknown>> {
  let bytes = 0;
  await eachEntry(file, (_, stream) => stream.on('data', (chunk: Buffer) => (bytes += chunk.length)));
  return { bytes };
}

/** Inflates and digests each document line as manifest building does (no entry SHA-256 or CRC-32): the per-line share. */
async function lines(file: string): Promise<Record<string, unknown>> {
  let documents = 0;
  await eachEntry(file, (entry, stream) => {
    if (classifyEntry(entry.fileName).kind !== 'documents') return stream.resume();
    const digest = new MultisetDigest();
    let carry: Buffer | undefined;
    stream.on('data', (chunk: Buffer) => {
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; start = nl + 1, nl = chunk.indexOf(10, start)) {
        const line = carry ? Buffer.concat([carry, chunk.subarray(start, nl)]) : chunk.subarray(start, nl);
        carry = undefined;
        digest.addBinary(crypto.hash('sha256', line, 'binary'));
        documents++;
      }
      if (start < chunk.length) carry = carry ? Buffer.concat([carry, chunk.subarray(start)]) : Buffer.from(chunk.subarray(start));
    });
    stream.on('end', () => digest.hex());
  });
  return { documents };
}

const modes: Record<string, (file: string) => Promise<Record<string, unknown>>> = { raw, manifest, inflate, lines };

async function main(): Promise<void> {
  const [mode, file] = process.argv.slice(2);
  const t0 = performance.now();
  const out = await modes[mode!]!(file!);
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ ...out, ms, maxRssKiB: process.resourceUsage().maxRSS }) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
