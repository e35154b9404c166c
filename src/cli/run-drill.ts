import type { DrillClient, StartedRun } from '../client';
import type { WithConclusion } from '../contracts/run-conclusion';
import { withDrillClient, type CallerConfig, type GlobalOptions } from './context';
import { ExitCode } from './errors';
import { conclusionLine, emit } from './output';
import { progressView } from './progress/live-view';
import { followRun } from './progress/follow-run';

export const DETACH_HELP = 'start it and print its id at once; follow it with `drillctl status <id> --watch`';

export interface RunFlags {
  /** Start and print the id at once; `drillctl status <id>` and `report <id>` pick it up. */
  detach?: boolean;
}

/** What `--detach` prints: the run's id, its Web UI link and how to come back to it. */
export function printDetached(run: { workflowId: string; runId: string; webUiUrl: string }, json: boolean): number {
  emit({ workflowId: run.workflowId, runId: run.runId, webUiUrl: run.webUiUrl }, { json }, (r) =>
    [`Started ${r.workflowId}`, `  Web UI: ${r.webUiUrl}`, `  Watch:  drillctl status ${r.workflowId} --watch`, `  Report: drillctl report ${r.workflowId}`].join('\n'),
  );
  return ExitCode.ok;
}

/**
 * Starts a drill through the client, shows its progress (live on a terminal, plain lines on
 * stderr otherwise), waits for its result, prints it (human or --json, with the Web UI link) and
 * returns the exit code its verdict implies. With --detach it returns as soon as the run started.
 * A FAIL is a result like a PASS (the client returns the one its failure carries); a workflow that
 * fails without one is reported by the error layer.
 */
export async function runDrill<R extends WithConclusion & { verdict: 'PASS' | 'FAIL' | 'PLANNED' }>(
  opts: GlobalOptions & RunFlags,
  start: (client: DrillClient, caller: CallerConfig) => Promise<StartedRun<R>>,
  render: (result: R) => string,
): Promise<number> {
  return withDrillClient(opts, async (client, caller) => {
    const run = await start(client, caller);
    if (opts.detach) return printDetached(run, !!opts.json);
    if (!opts.json) process.stderr.write(`started ${run.workflowId}\n  ${run.webUiUrl}\n`);
    const result = await followRun(client, run.workflowId, run.runId, progressView(process.stderr, !!opts.json), run.result());
    // Failures are results: a FAIL comes back with the same shape, and its conclusion line leads.
    emit({ ...result, webUiUrl: run.webUiUrl }, { json: !!opts.json }, (r) => [conclusionLine(r), render(r), `History: ${run.webUiUrl}`].filter(Boolean).join('\n'));
    return result.verdict === 'FAIL' ? ExitCode.failed : ExitCode.ok;
  });
}
