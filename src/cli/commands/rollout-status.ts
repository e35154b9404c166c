import type { Command } from 'commander';
import type { RolloutRun } from '../../client';
import type * as Report from '../../domain/rollout/report';
import type { RolloutResult, RolloutStatus } from '../../contracts/rollout';
import { withRunClient, type GlobalOptions } from '../context';
import { CliError, ExitCode } from '../errors';
import { emit } from '../output';
import { isLiveTerminal, progressView } from '../progress/live-view';
import { exitCodeOf, rolloutId } from './rollout-handle';
import { renderStatus, timelineLine } from './rollout-render';

const WATCH_INTERVAL_MS = 2000;

/** The report renderer, loaded only for a finished rollout: it pulls in the plan schema (zod). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const renderReport = (r: RolloutResult): string => (require('../../domain/rollout/report') as typeof Report).renderRolloutMarkdown(r);

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Follows a running rollout until it ends: on a terminal one view redrawn in place (like
 * `kubectl argo rollouts get rollout --watch`); in a log the status once, then each new timeline
 * entry as a line; with --json one status object per change.
 */
async function watchRollout(rollout: RolloutRun, json: boolean, stillRunning: () => Promise<boolean>): Promise<void> {
  const live = isLiveTerminal(process.stdout, json) ? progressView(process.stdout, json) : undefined;
  let seen = -1;
  let phase = '';
  try {
    while (await stillRunning()) {
      let s: RolloutStatus;
      try {
        s = await rollout.controls.status();
      } catch {
        // A query can fail while no worker is polling (a worker restart); keep watching.
        await pause(WATCH_INTERVAL_MS);
        continue;
      }
      const count = s.timeline.length + s.timelineDropped;
      if (live) live.show(renderStatus(s), '', 0);
      else if (count !== seen || s.phase !== phase) {
        if (json) process.stdout.write(JSON.stringify(s) + '\n');
        else if (seen < 0) process.stdout.write(`${renderStatus(s)}\n\n`);
        else for (const t of s.timeline.slice(Math.max(0, s.timeline.length - (count - seen)))) process.stdout.write(`  ${timelineLine(t)}\n`);
      }
      seen = count;
      phase = s.phase;
      await pause(live ? WATCH_INTERVAL_MS / 2 : WATCH_INTERVAL_MS);
    }
  } finally {
    live?.stop();
  }
}

export function registerRolloutStatus(rollout: Command, global: () => GlobalOptions): void {
  rollout
    .command('status')
    .description('where a rollout is: step, traffic per service, gates, approvals, analysis, timeline (the report once it ended)')
    .argument('[workflowId]', 'the rollout (default: the one on --group, or on the only group)')
    .option('--group <name>', 'service group')
    .option('--watch', 'follow it until it ends (one view redrawn on a terminal, new timeline lines otherwise); exit 0 when it promoted, 1 when it aborted')
    .action(async (id: string | undefined, o: { group?: string; watch?: boolean }) => {
      const g = global();
      const json = !!g.json;
      const workflowId = rolloutId(g, id, o.group);
      process.exitCode = await withRunClient(g, async (client) => {
        const run = await client.rollout(workflowId);
        if (run.running && !o.watch) {
          emit(await run.controls.status(), { json }, (s) => renderStatus(s));
          return ExitCode.ok;
        }
        if (run.running) await watchRollout(run, json, async () => (await client.describeRun(workflowId)).running);
        const result = await run.result();
        if (run.running && json) process.stdout.write(JSON.stringify(result) + '\n');
        else if (run.running) process.stdout.write(`\n${renderReport(result)}`);
        else emit(result, { json }, renderReport);
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
      await withRunClient(g, async (client) => {
        const run = await client.rollout(workflowId);
        if (run.running) throw new CliError(`rollout ${workflowId} is still running`, ExitCode.usage, 'see where it is with `drillctl rollout status`');
        emit(await run.result(), { json: !!g.json }, renderReport);
      });
    });
}
