import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { alternate, atLeast, atMost, context, max, median, type Benchmark, type Figure } from '../harness';
import { writeGeneratedSnapshot } from '../support/snapshot-data';

const root = path.resolve(__dirname, '..', '..');
const script = path.join(root, 'bench', 'support', 'snapshot-measure.ts');
const MB = 1e6;
const MIB = 1024;
const RSS_GROWTH_LIMIT = 50;
/** Repetitions per side at 1 GB: one manifest build takes about 13 s there (27 s before the 1 MiB reader). */
const GB_REPS = 3;

interface Measured {
  ms: number;
  maxRssKiB: number;
  documents?: number;
  bytes?: number;
}

/** One read of the snapshot in a fresh process (see snapshot-measure.ts), so its peak RSS is its own. */
function measure(mode: 'raw' | 'manifest' | 'inflate' | 'lines', zip: string): Promise<Measured> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--require', 'tsx/cjs', script, mode, zip], { cwd: root, encoding: 'utf8' }, (err, stdout, stderr) =>
      err ? reject(new Error(`snapshot-measure ${mode}: ${stderr || err.message}`)) : resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Measured),
    ),
  );
}

const fixed = (n: number, digits = 1): string => n.toFixed(digits);

/**
 * Manifest building (readSnapshotManifest, as the verifySnapshot activity calls it) against a raw
 * sequential read + SHA-256 of the same ZIP, on snapshots written by the Convex stand-in's export writer.
 */
export const snapshotVerify: Benchmark = {
  name: 'snapshot-verify',
  description: 'Snapshot verification: manifest building vs raw read + SHA-256, throughput and peak RSS by size',
  async run(ctx) {
    const sizes = ctx.quick ? [2, 10] : [10, 100, 1000];
    const ceilingAt = ctx.quick ? 10 : 100;
    const label = (mb: number): string => (mb >= 1000 ? `${mb / 1000} GB` : `${mb} MB`);
    const dir = fs.mkdtempSync(path.join(ctx.tmpDir, 'snapshot-verify-'));
    const figures: Figure[] = [];
    const notes: string[] = [];
    const rss: number[] = [];
    let rawRss = 0;
    try {
      for (const mb of sizes) {
        const zip = path.join(dir, `snapshot-${mb}mb.zip`);
        const t0 = Date.now();
        await writeGeneratedSnapshot(zip, mb * MB);
        const zipBytes = fs.statSync(zip).size;
        ctx.log(`${label(mb)}: generated ${fixed(zipBytes / MB)} MB in ${fixed((Date.now() - t0) / 1000)} s`);
        const reps = mb >= 1000 ? Math.min(ctx.reps, GB_REPS) : ctx.reps;
        const { a: manifest, b: raw } = await alternate(reps, () => measure('manifest', zip), () => measure('raw', zip));
        const manifestMs = median(manifest.map((m) => m.ms));
        const rawMs = median(raw.map((m) => m.ms));
        const peak = max(manifest.map((m) => m.maxRssKiB)) / MIB;
        rss.push(peak);
        rawRss = max(raw.map((m) => m.maxRssKiB)) / MIB;
        const ratio = rawMs / manifestMs;
        figures.push(
          context(`${label(mb)}: raw read + SHA-256`, zipBytes / MB / (rawMs / 1000), 'MB/s'),
          context(`${label(mb)}: manifest building`, zipBytes / MB / (manifestMs / 1000), 'MB/s'),
          atLeast(`${label(mb)}: throughput manifest / raw`, ratio, 'x', 0.8),
          atMost(`${label(mb)}: peak RSS of the verifying process`, peak, 'MiB', 200),
        );
        const jsonl = manifest[0]!.bytes!;
        notes.push(
          `${label(mb)}: ${fixed(zipBytes / MB)} MB ZIP, ${manifest[0]!.documents} documents in 3 tables, ${fixed(jsonl / MB)} MB of JSONL (deflated ${fixed(jsonl / zipBytes, 2)}x); ` +
            `median of ${reps} per side: manifest ${fixed(manifestMs / 1000, 2)} s, raw ${fixed(rawMs / 1000, 2)} s.`,
        );
        if (mb === ceilingAt) {
          const inflate = await measure('inflate', zip);
          const lines = await measure('lines', zip);
          const perLineUs = ((lines.ms - inflate.ms) * 1000) / lines.documents!;
          figures.push(
            context(`${label(mb)}: inflate only (no hashing) / raw`, rawMs / inflate.ms, 'x'),
            context(`${label(mb)}: inflate + per-line digest only / raw`, rawMs / lines.ms, 'x'),
            context(`${label(mb)}: per-line digest cost on top of inflating`, perLineUs, 'µs/line'),
          );
          notes.push(
            `Throughput target: manifest building has to inflate every entry (${fixed(jsonl / zipBytes, 2)}x the ZIP's bytes), hash the JSONL twice (entry SHA-256 and a SHA-256 per document line for the digest) ` +
              `and CRC-32 it, after hashing the ZIP itself as the raw side does. Inflating alone (1 MiB reads and inflate chunks, as manifest building reads; nothing hashed) took ${fixed(inflate.ms / 1000, 2)} s at ${label(mb)}, ` +
              `${fixed(rawMs / inflate.ms, 2)}x the raw read's throughput: a deflate stream inflates on one thread, so no verifier that reads the documents can reach 0.8 on snapshots that deflate ${fixed(jsonl / zipBytes, 1)}x. ` +
              `Inflating plus only the per-line digest took ${fixed(lines.ms / 1000, 2)} s (${fixed(perLineUs, 2)} µs per line on top of inflating, for ${lines.documents} lines: one crypto.hash call each, its native overhead larger than hashing ~350 bytes), ` +
              `and the full manifest ${fixed(manifestMs / 1000, 2)} s, ${fixed(manifestMs / inflate.ms, 2)}x the inflate-only time.`,
            'Before this reader (yauzl streams: 16 KiB reads and inflate chunks; per line createHash + hex digest + BigInt sum), manifest building took 26.9 s at 1 GB against 1.42 s raw (ratio 0.05) and about 3.5 s at 100 MB; ' +
              'inflating entries now goes straight from 1 MiB reads into zlib with 1 MiB output chunks (inflating alone went from 1.28 s to 0.72 s at 100 MB when this was measured), each line is hashed in place with one crypto.hash call to a binary string, ' +
              'and the multiset digest adds 32-bit lanes in doubles instead of a BigInt per line (same digest). On this 2-core machine, what is left is the inflate ceiling above and the main thread\'s hashing; ' +
              'the thread pool inflates while the main thread hashes the previous chunk (one chunk per event-loop turn).',
          );
        }
        fs.rmSync(zip, { force: true });
      }
      const growth = rss[rss.length - 1]! - rss[0]!;
      figures.push(
        atMost(`peak RSS growth, ${label(sizes[sizes.length - 1]!)} vs ${label(sizes[0]!)}`, growth, 'MiB', RSS_GROWTH_LIMIT),
        context(`${label(sizes[sizes.length - 1]!)}: peak RSS of the raw reader`, rawRss, 'MiB'),
      );
      notes.push(
        "Snapshots are written by the Convex stand-in's export writer (writeSnapshotZip, the format `convex export` downloads from it), fed generated chat-like documents lazily; " +
          'a real `convex export` through the CLI is not used because the stand-in keeps every document line in memory, which gigabytes of JSONL do not fit.',
        'Each side runs in a fresh node process (--require tsx/cjs); peak RSS is that process\'s maxRSS, node + tsx alone take about 45 MiB. "Flat" means growth from the smallest to the largest size <= ' +
          `${RSS_GROWTH_LIMIT} MiB. The ZIP is in the page cache for both sides.`,
      );
      if (!ctx.quick) {
        notes.push(`1 GB: ${Math.min(ctx.reps, GB_REPS)} repetitions per side (${ctx.reps} at the smaller sizes) and a 2-minute generation, to keep the benchmark near 4 minutes.`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    return { benchmark: this.name, description: this.description, figures, notes };
  },
};
