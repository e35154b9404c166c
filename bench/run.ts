// `npm run bench [-- --quick] [-- --only NAME]`: every benchmark against the embedded Temporal dev
// server and the sandbox; prints a table and writes the figures with the machine to bench/results.json
// (quick mode, used by CI so the benchmarks cannot rot, writes bench/results-quick.json, and --only
// bench/results-only.json, so neither replaces the full run's figures the README quotes).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { machine, type BenchResult } from './harness';
import { BENCHMARKS } from './benchmarks';
import { formatValue } from './markdown';
import { stopBenchWorker } from './support/worker';
import { startDevServerOnFreePort } from '../test/support/temporal';

function parseArgs(argv: string[]): { quick: boolean; only?: string } {
  const quick = argv.includes('--quick');
  const i = argv.indexOf('--only');
  return { quick, only: i >= 0 ? argv[i + 1] : undefined };
}

function printTable(results: BenchResult[]): void {
  const rows: string[][] = [['benchmark', 'figure', 'value', 'target', 'met', 'load']];
  for (const r of results) {
    const load = r.loadAverage ? `${r.loadAverage.start.toFixed(1)}-${r.loadAverage.end.toFixed(1)}` : '';
    for (const f of r.figures) {
      rows.push([r.benchmark, f.name, formatValue(f.value, f.unit), f.target ?? '(context)', f.met === undefined ? '' : f.met ? 'yes' : 'NO', load]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
}

async function main(): Promise<void> {
  const { quick, only } = parseArgs(process.argv.slice(2));
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const selected = BENCHMARKS.filter((b) => !only || b.name === only);
  if (selected.length === 0) throw new Error(`no benchmark named ${only}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  const server = await startDevServerOnFreePort();
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drillctl-bench-'));
  const started = Date.now();
  const results: BenchResult[] = [];
  const file = path.join(__dirname, quick ? 'results-quick.json' : only ? 'results-only.json' : 'results.json');
  const write = (complete: boolean): void => {
    const out = { date: new Date().toISOString(), quick, complete, durationSeconds: (Date.now() - started) / 1000, machine: machine(), results };
    fs.writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  };
  try {
    for (const b of selected) {
      const log = (msg: string): void => void process.stderr.write(`[${b.name}] ${msg}\n`);
      log(`running${quick ? ' (quick)' : ''}...`);
      const t0 = Date.now();
      const load = os.loadavg()[0]!;
      const result = await b.run({ quick, reps: quick ? 1 : 5, temporalAddress: server.address, temporalPid: server.process.pid!, tmpDir, log });
      results.push({ ...result, loadAverage: { start: load, end: os.loadavg()[0]! } });
      log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s (load average ${load.toFixed(1)} -> ${os.loadavg()[0]!.toFixed(1)})`);
      // Written after every benchmark (complete: false until the last), so a long run cut short keeps what it measured.
      write(false);
    }
  } finally {
    await stopBenchWorker();
    await server.stop();
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
  printTable(results);
  write(true);
  console.log(`\n${results.length} benchmarks in ${((Date.now() - started) / 1000).toFixed(0)} s; figures written to ${path.relative(process.cwd(), file)}`);
  const missed = results.flatMap((r) => r.figures.filter((f) => f.met === false).map((f) => `${r.benchmark}: ${f.name}`));
  if (missed.length) console.log(`Targets missed (see README, Benchmarks): ${missed.join('; ')}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
