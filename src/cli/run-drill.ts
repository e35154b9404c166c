import type { DrillClient, StartedRun } from '../client';
import type { WithConclusion } from '../shared/run-conclusion';
import { withDrillClient, type CallerConfig, type GlobalOptions } from './context';
import { ExitCode } from './errors';
import { emit, conclusionLine } from './output';

/**
 * Starts a drill through the client, waits for its result, prints it (human or --json, with the
 * Web UI link) and returns the exit code its verdict implies. A FAIL is a result like a PASS (the
 * client returns the one its failure carries); a workflow that fails without one is reported by the
 * error layer.
 */
export async function runDrill<R extends WithConclusion & { verdict: 'PASS' | 'FAIL' | 'PLANNED' }>(
  opts: GlobalOptions,
  start: (client: DrillClient, caller: CallerConfig) => Promise<StartedRun<R>>,
  render: (result: R) => string,
): Promise<number> {
  return withDrillClient(opts, async (client, caller) => {
    const run = await start(client, caller);
    if (!opts.json) process.stderr.write(`started ${run.workflowId}\n  ${run.webUiUrl}\n`);
    const result = await run.result();
    // Failures are results: a FAIL comes back with the same shape, and its conclusion line leads.
    emit({ ...result, webUiUrl: run.webUiUrl }, { json: !!opts.json }, (r) => [conclusionLine(r), render(r), `History: ${run.webUiUrl}`].filter(Boolean).join('\n'));
    return result.verdict === 'FAIL' ? ExitCode.failed : ExitCode.ok;
  });
}
