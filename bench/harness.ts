import os from 'node:os';
import { execFileSync } from 'node:child_process';

/** What every benchmark gets: the mode, a repetition count, and a place for temporary files. */
export interface BenchContext {
  quick: boolean;
  /** Repetitions per measured side (alternating); 1 in quick mode. */
  reps: number;
  /** Temporal frontend of the embedded dev server the run started. */
  temporalAddress: string;
  /** Process id of that dev server, to read its CPU time. */
  temporalPid: number;
  tmpDir: string;
  log(msg: string): void;
}

export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** Human statement of the target, e.g. "<= 1.10"; absent for context-only figures. */
  target?: string;
  met?: boolean;
}

export interface BenchResult {
  benchmark: string;
  description: string;
  figures: Figure[];
  notes?: string[];
  /** The machine's 1-minute load average when the benchmark started and ended (the machine may be shared). */
  loadAverage?: { start: number; end: number };
}

export interface Benchmark {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function max(values: number[]): number {
  return Math.max(...values);
}

/** Runs a and b alternately `reps` times each, so drift in machine load hits both sides alike. */
export async function alternate<T>(reps: number, a: () => Promise<T>, b: () => Promise<T>): Promise<{ a: T[]; b: T[] }> {
  const out = { a: [] as T[], b: [] as T[] };
  for (let i = 0; i < reps; i++) {
    if (i % 2 === 0) {
      out.a.push(await a());
      out.b.push(await b());
    } else {
      out.b.push(await b());
      out.a.push(await a());
    }
  }
  return out;
}

/** Runs every side once per repetition, starting each repetition one side later, so drift in machine load hits all sides alike. */
export async function rotate<T>(reps: number, sides: Array<() => Promise<T>>): Promise<T[][]> {
  const out = sides.map(() => [] as T[]);
  for (let i = 0; i < reps; i++) {
    for (let k = 0; k < sides.length; k++) {
      const side = (i + k) % sides.length;
      out[side]!.push(await sides[side]!());
    }
  }
  return out;
}

export function atMost(name: string, value: number, unit: string, limit: number): Figure {
  return { name, value, unit, target: `<= ${limit}`, met: value <= limit };
}

export function atLeast(name: string, value: number, unit: string, limit: number): Figure {
  return { name, value, unit, target: `>= ${limit}`, met: value >= limit };
}

export function context(name: string, value: number, unit: string): Figure {
  return { name, value, unit };
}

export function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  let kernel = os.release();
  try {
    kernel = execFileSync('uname', ['-srm'], { encoding: 'utf8' }).trim();
  } catch {
    /* uname is optional */
  }
  return {
    hostname: os.hostname(),
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: kernel,
    node: process.version,
  };
}
