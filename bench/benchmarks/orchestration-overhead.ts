import { alternate, atMost, context, median, type Benchmark } from '../harness';
import { activityOverheadsMs, applyInput, rollbackDirect, rollbackSandbox, rollbackViaTemporal } from '../support/rollback';
import { benchWorker } from '../support/worker';

/**
 * The applied rollback drill through Temporal versus the same adapter calls made directly in one
 * process, alternately, on the same sandbox group (same propagation delay and probe interval).
 */
export const orchestrationOverhead: Benchmark = {
  name: 'orchestration-overhead',
  description: 'Rollback drill through Temporal vs the same adapter calls made directly',
  async run(ctx) {
    const w = await benchWorker(ctx);
    const sandbox = await rollbackSandbox(1);
    try {
      const input = applyInput(sandbox, 'convex');
      await rollbackViaTemporal(w, input); // warm-up: bundle caches, gRPC channels, sticky cache
      await rollbackDirect(ctx, input);
      const reps = ctx.quick ? 1 : 2 * ctx.reps;
      const overheads: number[] = [];
      const { a: viaTemporal, b: direct } = await alternate(
        reps,
        async () => {
          const run = await rollbackViaTemporal(w, input);
          overheads.push(...(await activityOverheadsMs(w, run)));
          return run.wallMs;
        },
        () => rollbackDirect(ctx, input),
      );
      const ratio = median(viaTemporal) / median(direct);
      return {
        benchmark: this.name,
        description: this.description,
        figures: [
          atMost('wall time ratio, Temporal / direct', ratio, 'x', 1.1),
          atMost('overhead per activity, median', median(overheads), 'ms', 10),
          context('overhead per activity, worst', Math.max(...overheads), 'ms'),
          context('drill through Temporal, median', median(viaTemporal), 'ms'),
          context('direct adapter calls, median', median(direct), 'ms'),
          context('activities measured', overheads.length, ''),
        ],
        notes: [`${reps} alternating runs per side after one warm-up each; overhead per activity = ActivityTaskScheduled to ActivityTaskCompleted minus the activity function's own time`],
      };
    } finally {
      await sandbox.stop();
    }
  },
};
