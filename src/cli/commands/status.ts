import type { Command } from 'commander';
import { withRunClient, type GlobalOptions } from '../context';
import { ExitCode } from '../errors';
import { emit } from '../output';
import { followRun } from '../progress/follow-run';
import { progressView } from '../progress/live-view';
import { renderProgress } from '../progress/render-progress';
import { renderRunReport, runExitCode } from '../run-report';

export function registerStatus(program: Command, global: () => GlobalOptions): void {
  program
    .command('status')
    .description('where any run is (drill, gate or rollout): phase, elapsed time, activities and their progress; its report once it ended')
    .argument('<workflowId>')
    .option('--watch', 'follow it until it ends (a live view on a terminal, a line per change otherwise), then print its report; exit 0 when it passed, 1 otherwise')
    .action(async (workflowId: string, o: { watch?: boolean }) => {
      const g = global();
      const json = !!g.json;
      process.exitCode = await withRunClient(g, async (client) => {
        const run = await client.describeRun(workflowId);
        if (run.running && !o.watch) {
          emit(await client.progress(workflowId, run.runId), { json }, (p) => `${renderProgress(p)}\nWeb UI: ${run.webUiUrl}`);
          return ExitCode.ok;
        }
        const finished = run.running ? await followRun(client, workflowId, run.runId, progressView(json ? process.stderr : process.stdout, json), client.waitForResult(run)) : await client.waitForResult(run);
        const progress = await client.progress(workflowId, run.runId);
        emit({ ...progress, result: finished.result, webUiUrl: run.webUiUrl }, { json }, () => `${renderProgress(progress)}\n\n${renderRunReport(finished)}\nWeb UI: ${run.webUiUrl}`);
        return runExitCode(finished);
      });
    });
}
