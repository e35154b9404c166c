import os from 'node:os';
import { atMost, context, median, type Benchmark } from '../harness';
import { procCpuMs } from '../support/cloud-run-process';
import { applyInput, rollbackSandbox, rollbackViaTemporal, rtoErrorMs } from '../support/rollback';
import { benchWorker } from '../support/worker';
import { measureProcess } from '../support/whole-process';

interface Batch {
  wallMs: number;
  /** CPU ms used during the batch by the worker process, the Temporal server and the sandbox. */
  cpu: { worker: number; server: number; sandbox: number };
}

/** N rollback drills on distinct sandbox groups, started together on one worker: wall time vs N = 1. */
export const concurrency: Benchmark = {
  name: 'concurrency',
  description: 'N rollback drills on distinct groups started together on one worker',
  async run(ctx) {
    const sizes = ctx.quick ? [1, 5] : [1, 10, 50];
    const largest = Math.max(...sizes);
    const w = await benchWorker(ctx);
    const sandbox = await rollbackSandbox(largest);
    try {
      const batches = new Map<number, Batch[]>(sizes.map((n) => [n, []]));
      const errors: number[] = [];
      const together = async (n: number): Promise<void> => {
        const cpu0 = { worker: process.cpuUsage(), server: procCpuMs(ctx.temporalPid), sandbox: sandbox.cpuMs() };
        const t0 = performance.now();
        const runs = await Promise.all(sandbox.groups.slice(0, n).map((g) => rollbackViaTemporal(w, applyInput(sandbox, g.name))));
        const wallMs = performance.now() - t0;
        const used = process.cpuUsage(cpu0.worker);
        batches.get(n)!.push({ wallMs, cpu: { worker: (used.user + used.system) / 1000, server: procCpuMs(ctx.temporalPid) - cpu0.server, sandbox: sandbox.cpuMs() - cpu0.sandbox } });
        if (n === largest) for (const r of runs) errors.push(Math.abs(await rtoErrorMs(sandbox, r.result)));
      };
      // Warm-up at every size, so the figures do not depend on which benchmarks ran before
      // (a fresh worker's JIT and caches made N=50 cost about 10 % more CPU per drill).
      for (const n of sizes) await together(n);
      for (const b of batches.values()) b.length = 0;
      errors.length = 0;
      const reps = ctx.quick ? 1 : 3;
      // The unit CPU per drill is read in: a bare node cold start, measured between the batches of the same run.
      const bareNodeCpu: number[] = [];
      const bareNode = async (): Promise<void> => {
        for (let k = 0; k < 3; k++) bareNodeCpu.push((await measureProcess([process.execPath, '-e', '0'], process.cwd())).cpuMs);
      };
      for (let i = 0; i < reps; i++) {
        for (const n of i % 2 ? [...sizes].reverse() : sizes) {
          await bareNode();
          await together(n);
        }
      }
      const wall = (n: number): number => median(batches.get(n)!.map((b) => b.wallMs));
      const cpuPerDrill = (part: keyof Batch['cpu']): number => median(batches.get(largest)!.map((b) => b.cpu[part] / largest));
      const cores = os.cpus().length;
      const busy = median(batches.get(largest)!.map((b) => (b.cpu.worker + b.cpu.server + b.cpu.sandbox) / (b.wallMs * cores)));
      // The wall time the machine's cores could not beat even with every drill's CPU perfectly overlapped.
      const cpuFloorMs = ((cpuPerDrill('worker') + cpuPerDrill('server') + cpuPerDrill('sandbox')) * largest) / cores;
      const perDrill = median(batches.get(largest)!.map((b) => (b.cpu.worker + b.cpu.server + b.cpu.sandbox) / largest));
      const nodeCpu = median(bareNodeCpu);
      return {
        benchmark: this.name,
        description: this.description,
        figures: [
          ...sizes.filter((n) => n > 1).map((n) => (n === 50 ? atMost(`wall time N=${n} / N=1`, wall(n) / wall(1), 'x', 1.5) : context(`wall time N=${n} / N=1`, wall(n) / wall(1), 'x'))),
          ...sizes.map((n) => context(`wall time N=${n}, median`, wall(n), 'ms')),
          atMost(`CPU per drill at N=${largest} (worker + server + sandbox) / bare node -e 0`, perDrill / nodeCpu, 'x', 1.5),
          context(`CPU per drill at N=${largest}, all three`, perDrill, 'ms'),
          context('CPU of a bare node -e 0 (same run)', nodeCpu, 'ms'),
          context(`CPU per drill at N=${largest}: worker process`, cpuPerDrill('worker'), 'ms'),
          context(`CPU per drill at N=${largest}: Temporal dev server`, cpuPerDrill('server'), 'ms'),
          context(`CPU per drill at N=${largest}: sandbox`, cpuPerDrill('sandbox'), 'ms'),
          context(`machine CPU busy at N=${largest} (all cores)`, busy * 100, '%'),
          context(`CPU floor at N=${largest} (all CPU on ${cores} cores) / N=1 wall`, cpuFloorMs / wall(1), 'x'),
          context(`|drill RTO - router RTO| at N=${largest}, worst`, Math.max(...errors), 'ms'),
        ],
        notes: [
          `${reps} repetitions per N, order alternating; each drill shifts and restores 2 services; the sandbox runs in a process of its own`,
          `CPU per drill is normalised by the CPU time (user + system) of a bare \`node -e 0\` cold start, ${bareNodeCpu.length} of them measured between the batches (median ${nodeCpu.toFixed(0)} ms), since absolute CPU time moves with the machine.`,
          `Worker, Temporal dev server and sandbox share this machine's ${cores} cores: ${largest} drills need ${Math.round(cpuFloorMs)} ms of wall time on them even perfectly overlapped, ${(cpuFloorMs / wall(1)).toFixed(2)}x the single drill's ${Math.round(wall(1))} ms (which mostly waits on propagation and probe intervals).`,
        ],
      };
    } finally {
      await sandbox.stop();
    }
  },
};
