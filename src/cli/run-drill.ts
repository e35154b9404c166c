import type { DrillClient, StartedRun } from '../client';
import { withDrillClient, type CallerConfig, type GlobalOptions } from './context';
import { ExitCode } from './errors';
import { emit } from './output';

/**
 * Starts a drill through the client, waits for its result, prints it (human or --json, with the
 * Web UI link) and returns the exit code its verdict implies. A workflow that fails is reported by
 * the error layer.
 */
export async function runDrill<R extends { verdict: 'PASS' | 'FAIL' | 'PLANNED' }>(
  opts: GlobalOptions,
  start: (client: DrillClient, caller: CallerConfig) => Promise<StartedRun<R>>,
  render: (result: R) => string,
): Promise<number> {
  return withDrillClient(opts, async (client, caller) => {
    const run = await start(client, caller);
    if (!opts.json) process.stderr.write(`started ${run.workflowId}\n  ${run.webUiUrl}\n`);
    const result = await run.result();
    emit({ ...result, webUiUrl: run.webUiUrl }, { json: !!opts.json }, (r) => `${render(r)}\nHistory: ${run.webUiUrl}`);
    return result.verdict === 'FAIL' ? ExitCode.failed : ExitCode.ok;
  });
}
