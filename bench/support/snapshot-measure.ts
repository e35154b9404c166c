// Child process of the snapshot-verify benchmark: `snapshot-measure.ts raw|manifest|inflate <zip>` reads
// the snapshot one way and prints {ms, maxRssKiB, ...} as JSON, so peak RSS is this process's own.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import yauzl from 'yauzl';
import { readSnapshotManifest, type ReadProgress } from '../../src/activities/backup/read-snapshot';

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

/** Only inflates every entry (no hashing): the ceiling for any manifest that reads the documents. */
async function inflate(file: string): Promise<Record<string, unknown>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => yauzl.open(file, { lazyEntries: true }, (err, z) => (err ? reject(err) : resolve(z))));
  let bytes = 0;
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) =>
      zip.openReadStream(entry, (err, stream) => {
        if (err) return reject(err);
        stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
        stream.on('error', reject);
        stream.on('end', () => zip.readEntry());
      }),
    );
    zip.readEntry();
  });
  return { bytes };
}

const modes: Record<string, (file: string) => Promise<Record<string, unknown>>> = { raw, manifest, inflate };

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
