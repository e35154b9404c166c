import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { atLeast, atMost, context, max, median, rotate, type Benchmark, type Figure } from '../harness';
import { ensurePeerTools } from '../support/peer-tools';
import { writeGeneratedSnapshot } from '../support/snapshot-data';
import { measureProcess, type ProcessMeasure } from '../support/whole-process';

const root = path.resolve(__dirname, '..', '..');
const script = path.join(root, 'bench', 'support', 'snapshot-measure.ts');
const MB = 1e6;
const MIB = 1024;
const RSS_GROWTH_LIMIT = 50;
const PEER_RATIO = 1.5;
/** Repetitions per side at 1 GB, where one `unzip -t` takes about half a minute. */
const GB_REPS = 3;

/** Manifest building as the verify activity runs it, from the compiled product (`npm run bench` builds lib/). */
const MANIFEST_JS = `require(${JSON.stringify(path.join(root, 'lib', 'activities', 'backup', 'read-snapshot.js'))}).readSnapshotManifest(process.argv[1], 'bench').then((m) => console.log(JSON.stringify({ documents: m.totalDocuments, bytes: m.tables.reduce((n, t) => n + t.bytes, 0) })))`;
/** The ceiling: one sequential read of the ZIP with its SHA-256, nothing inflated. */
const RAW_JS = `const h = require('node:crypto').createHash('sha256'); require('node:fs').createReadStream(process.argv[1], { highWaterMark: 1 << 20 }).on('data', (c) => h.update(c)).on('end', () => console.log(h.digest('hex')))`;
const PY_ZIPFILE = 'import zipfile, sys; sys.exit(zipfile.ZipFile(sys.argv[1]).testzip() is not None)';

const SIDES = {
  manifest: (zip: string) => [process.execPath, '-e', MANIFEST_JS, zip],
  unzip: (zip: string) => ['unzip', '-tqq', zip],
  zipfile: (zip: string) => ['python3', '-c', PY_ZIPFILE, zip],
  raw: (zip: string) => [process.execPath, '-e', RAW_JS, zip],
};
type Side = keyof typeof SIDES;

interface InProcess {
  ms: number;
  maxRssKiB: number;
  documents?: number;
  bytes?: number;
}

/** A diagnostic read inside one node process (see snapshot-measure.ts): what inflating alone costs. */
function measureInProcess(mode: 'inflate' | 'lines', zip: string): Promise<InProcess> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--require', 'tsx/cjs', script, mode, zip], { cwd: root, encoding: 'utf8' }, (err, stdout, stderr) =>
      err ? reject(new Error(`snapshot-measure ${mode}: ${stderr || err.message}`)) : resolve(JSON.parse(stdout.trim().split('\n').pop()!) as InProcess),
    ),
  );
}

const fixed = (n: number, digits = 1): string => n.toFixed(digits);

/**
 * Manifest building (readSnapshotManifest, as the verifySnapshot activity calls it) against the
 * verifiers a user would reach for (Info-ZIP `unzip -t`, Python's zipfile CRC test) and a raw
 * sequential read + SHA-256 as the ceiling, each a whole process, on snapshots written by the
 * Convex stand-in's export writer.
 */
export const snapshotVerify: Benchmark = {
  name: 'snapshot-verify',
  description: 'Snapshot verification: manifest building vs unzip -t, Python zipfile and raw read + SHA-256, whole processes, throughput and peak RSS by size',
  async run(ctx) {
    ensurePeerTools(ctx.log);
    if (!fs.existsSync(path.join(root, 'lib', 'activities', 'backup', 'read-snapshot.js'))) throw new Error('lib/ is missing: run `npm run build` (npm run bench does)');
    const sizes = ctx.quick ? [2, 10] : [10, 100, 1000];
    const ceilingAt = ctx.quick ? 10 : 100;
    const label = (mb: number): string => (mb >= 1000 ? `${mb / 1000} GB` : `${mb} MB`);
    const dir = fs.mkdtempSync(path.join(ctx.tmpDir, 'snapshot-verify-'));
    const figures: Figure[] = [];
    const notes: string[] = [];
    const rss: number[] = [];
    try {
      for (const mb of sizes) {
        const zip = path.join(dir, `snapshot-${mb}mb.zip`);
        const t0 = Date.now();
        await writeGeneratedSnapshot(zip, mb * MB);
        const zipBytes = fs.statSync(zip).size;
        ctx.log(`${label(mb)}: generated ${fixed(zipBytes / MB)} MB in ${fixed((Date.now() - t0) / 1000)} s`);
        const reps = mb >= 1000 ? Math.min(ctx.reps, GB_REPS) : ctx.reps;
        const names = Object.keys(SIDES) as Side[];
        const runs = await rotate(reps, names.map((s) => () => measureProcess(SIDES[s](zip), root)));
        const by = Object.fromEntries(names.map((s, i) => [s, runs[i]!])) as Record<Side, ProcessMeasure[]>;
        const ms = (s: Side): number => median(by[s].map((m) => m.ms));
        const cpu = (s: Side): number => median(by[s].map((m) => m.cpuMs));
        const peak = (s: Side): number => max(by[s].map((m) => m.maxRssKiB)) / MIB;
        const mbps = (s: Side): number => zipBytes / MB / (ms(s) / 1000);
        rss.push(peak('manifest'));
        figures.push(
          context(`${label(mb)}: raw read + SHA-256 (ceiling)`, mbps('raw'), 'MB/s'),
          context(`${label(mb)}: manifest building`, mbps('manifest'), 'MB/s'),
          context(`${label(mb)}: unzip -t`, mbps('unzip'), 'MB/s'),
          context(`${label(mb)}: Python zipfile testzip`, mbps('zipfile'), 'MB/s'),
          atLeast(`${label(mb)}: throughput manifest / unzip -t`, ms('unzip') / ms('manifest'), 'x', PEER_RATIO),
          context(`${label(mb)}: throughput manifest / Python zipfile`, ms('zipfile') / ms('manifest'), 'x'),
          context(`${label(mb)}: throughput manifest / raw`, ms('raw') / ms('manifest'), 'x'),
          context(`${label(mb)}: CPU time (all threads) manifest / unzip -t`, cpu('manifest') / cpu('unzip'), 'x'),
          context(`${label(mb)}: CPU time manifest / wall time manifest (cores used)`, cpu('manifest') / ms('manifest'), 'x'),
          atMost(`${label(mb)}: peak RSS of manifest building`, peak('manifest'), 'MiB', 200),
          context(`${label(mb)}: peak RSS of unzip -t`, peak('unzip'), 'MiB'),
          context(`${label(mb)}: peak RSS of Python zipfile`, peak('zipfile'), 'MiB'),
          context(`${label(mb)}: peak RSS of the raw reader`, peak('raw'), 'MiB'),
        );
        const out = JSON.parse(by.manifest[0]!.stdout) as { documents: number; bytes: number };
        notes.push(
          `${label(mb)}: ${fixed(zipBytes / MB)} MB ZIP, ${out.documents} documents in 3 tables, ${fixed(out.bytes / MB)} MB of JSONL (deflated ${fixed(out.bytes / zipBytes, 2)}x); ` +
            `median of ${reps} per side, wall (CPU): manifest ${fixed(ms('manifest') / 1000, 2)} s (${fixed(cpu('manifest') / 1000, 2)} s), unzip -t ${fixed(ms('unzip') / 1000, 2)} s (${fixed(cpu('unzip') / 1000, 2)} s), ` +
            `Python zipfile ${fixed(ms('zipfile') / 1000, 2)} s (${fixed(cpu('zipfile') / 1000, 2)} s), raw ${fixed(ms('raw') / 1000, 2)} s (${fixed(cpu('raw') / 1000, 2)} s).`,
        );
        if (mb === ceilingAt) {
          const inflate = await measureInProcess('inflate', zip);
          const lines = await measureInProcess('lines', zip);
          figures.push(
            context(`${label(mb)}: inflate only, one thread (no hashing), in-process`, zipBytes / MB / (inflate.ms / 1000), 'MB/s'),
            context(`${label(mb)}: inflate + per-line digest, one thread, in-process`, zipBytes / MB / (lines.ms / 1000), 'MB/s'),
          );
          notes.push(
            `${label(mb)} in one node process (after start-up): inflating every entry alone took ${fixed(inflate.ms / 1000, 2)} s and inflating plus the per-line digest on one thread ${fixed(lines.ms / 1000, 2)} s, ` +
              `against ${fixed(ms('manifest') / 1000, 2)} s for the whole manifest process.`,
          );
        }
        fs.rmSync(zip, { force: true });
      }
      const growth = rss[rss.length - 1]! - rss[0]!;
      figures.push(atMost(`peak RSS growth of manifest building, ${label(sizes[sizes.length - 1]!)} vs ${label(sizes[0]!)}`, growth, 'MiB', RSS_GROWTH_LIMIT));
      notes.push(
        "Snapshots are written by the Convex stand-in's export writer (writeSnapshotZip, the format `convex export` downloads from it), fed generated chat-like documents lazily; " +
          'a real `convex export` through the CLI is not used because the stand-in keeps every document line in memory, which gigabytes of JSONL do not fit.',
        'Every side is a whole process, timed from spawn to exit with its peak RSS (getrusage of the child) by the same python3 parent, in rotating order: manifest building is ' +
          '`node -e` calling the compiled readSnapshotManifest (lib/, as the worker runs it), `unzip -tqq`, `python3 -c "zipfile.ZipFile(f).testzip()"`, and `node -e` reading the ZIP once with its SHA-256. ' +
          `"Flat" RSS means growth from the smallest to the largest size <= ${RSS_GROWTH_LIMIT} MiB. The ZIP is in the page cache for every side.`,
      );
      if (!ctx.quick) notes.push(`1 GB: ${Math.min(ctx.reps, GB_REPS)} repetitions per side (${ctx.reps} at the smaller sizes).`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    return { benchmark: this.name, description: this.description, figures, notes };
  },
};
