import type { Command } from 'commander';
import type * as Report from '../../domain/rollout/report';
import { rolloutStatusQuery, type RolloutResult, type RolloutStatus } from '../../shared/rollout';
import { withClient, type GlobalOptions } from '../context';
import { CliError, ExitCode } from '../errors';
import { emit } from '../output';
import { exitCodeOf, finishedRollout, rolloutHandle, rolloutId } from './rollout-handle';
import { renderStatus, timelineLine } from './rollout-render';

const WATCH_INTERVAL_MS = 2000;

/** The report renderer, loaded only for a finished rollout: it pulls in the plan schema (zod). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const renderReport = (r: RolloutResult): string => (require('../../domain/rollout/report') as typeof Report).renderRolloutMarkdown(r);

export function registerRolloutStatus(rollout: Command, global: () => GlobalOptions): void {
  rollout
    .command('status')
    .description('where a rollout is: step, traffic per service, gates, approvals, analysis, timeline (the report once it ended)')
    .argument('[workflowId]', 'the rollout (default: the one on --group, or on the only group)')
    .option('--group <name>', 'service group')
    .option('--watch', 'keep printing changes until the rollout ends; exit 0 when it promoted, 1 when it aborted')
    .action(async (id: string | undefined, o: { group?: string; watch?: boolean }) => {
      const g = global();
      const workflowId = rolloutId(g, id, o.group);
      process.exitCode = await withClient(g, async (client) => {
        const { handle, running } = await rolloutHandle(client, workflowId);
        if (!running) {
          const result = await finishedRollout(handle);
          emit(result, { json: !!g.json }, renderReport);
          return exitCodeOf(result);
        }
        if (!o.watch) {
          emit(await handle.query(rolloutStatusQuery), { json: !!g.json }, (s) => renderStatus(s));
          return ExitCode.ok;
        }
        let seen = -1;
        let phase = '';
        for (;;) {
          const { running: still } = await rolloutHandle(client, workflowId);
          if (!still) break;
          let s: RolloutStatus;
          try {
            s = await handle.query(rolloutStatusQuery);
          } catch {
            // A query can fail while no worker is polling (a worker restart); keep watching.
            await new Promise((r) => setTimeout(r, WATCH_INTERVAL_MS));
            continue;
          }
          const count = s.timeline.length + s.timelineDropped;
          if (count !== seen || s.phase !== phase) {
            if (g.json) process.stdout.write(JSON.stringify(s) + '\n');
            else if (seen < 0) process.stdout.write(`${renderStatus(s)}\n\n`);
            else for (const t of s.timeline.slice(Math.max(0, s.timeline.length - (count - seen)))) process.stdout.write(`  ${timelineLine(t)}\n`);
            seen = count;
            phase = s.phase;
          }
          await new Promise((r) => setTimeout(r, WATCH_INTERVAL_MS));
        }
        const result = await finishedRollout(handle);
        if (g.json) process.stdout.write(JSON.stringify(result) + '\n');
        else process.stdout.write(`\n${renderReport(result)}`);
        return exitCodeOf(result);
      });
    });

  rollout
    .command('report')
    .description('the report of a finished rollout (promoted or aborted), rendered from its recorded result')
    .argument('[workflowId]', 'the rollout (default: the one on --group, or on the only group)')
    .option('--group <name>', 'service group')
    .action(async (id: string | undefined, o: { group?: string }) => {
      const g = global();
      const workflowId = rolloutId(g, id, o.group);
      await withClient(g, async (client) => {
        const { handle, running } = await rolloutHandle(client, workflowId);
        if (running) throw new CliError(`rollout ${workflowId} is still running`, ExitCode.usage, 'see where it is with `drillctl rollout status`');
        const result = await finishedRollout(handle);
        emit(result, { json: !!g.json }, renderReport);
      });
    });
}
