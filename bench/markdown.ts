// Prints bench/results.json as the Markdown table the README's Benchmarks section shows:
// `node --require tsx/cjs bench/markdown.ts [results file]`.
import fs from 'node:fs';
import path from 'node:path';
import type { BenchResult } from './harness';

interface Results {
  date: string;
  quick: boolean;
  durationSeconds: number;
  machine: { cpuModel: string; cores: number; memoryGiB: number; os: string; node: string };
  results: BenchResult[];
}

export function formatValue(value: number, unit: string): string {
  const n = Math.abs(value) < 10 ? value.toFixed(Math.abs(value) < 1 ? 3 : 2) : value.toFixed(0);
  return unit ? `${n} ${unit}` : n;
}

export function resultsMarkdown(r: Results): string {
  const m = r.machine;
  const lines = [
    `Measured ${r.date.slice(0, 10)} on ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}; ${r.quick ? 'quick mode, ' : ''}${Math.round(r.durationSeconds)} s in all.`,
    '',
    '| benchmark | figure | value | target | met | load average |',
    '|---|---|---|---|---|---|',
  ];
  for (const b of r.results) {
    // The 1-minute load average at the benchmark's start and end: on a shared machine, read wall times with it.
    const load = b.loadAverage ? `${b.loadAverage.start.toFixed(1)} -> ${b.loadAverage.end.toFixed(1)}` : '';
    for (const f of b.figures) lines.push(`| ${b.benchmark} | ${f.name.replaceAll('|', '\\|')} | ${formatValue(f.value, f.unit)} | ${f.target ?? ''} | ${f.met === undefined ? '' : f.met ? 'yes' : '**no**'} | ${load} |`);
  }
  return lines.join('\n');
}

if (require.main === module) {
  const file = process.argv[2] ?? path.join(__dirname, 'results.json');
  console.log(resultsMarkdown(JSON.parse(fs.readFileSync(file, 'utf8')) as Results));
}
