import type { SearchAttributePair } from '@temporalio/common';
import { workflowHistoryUrl } from '../temporal/web-ui';
import { TASK_QUEUE } from '../temporal/task-queue';
import { withClient, type GlobalOptions } from './context';
import { ExitCode } from './errors';
import { emit } from './output';

export interface DrillStart<I> {
  workflowType: string;
  workflowId: string;
  input: I;
  staticSummary: string;
  staticDetails?: string;
  searchAttributes: SearchAttributePair[];
}

/**
 * Starts a drill workflow, waits for its result, prints it (human or --json, with the Web UI link)
 * and returns the exit code its verdict implies. A workflow that fails is reported by the error layer.
 */
export async function runDrill<I, R extends { verdict: 'PASS' | 'FAIL' }>(
  opts: GlobalOptions,
  start: DrillStart<I>,
  render: (result: R) => string,
): Promise<number> {
  return withClient(opts, async (client, target) => {
    const handle = await client.workflow.start(start.workflowType, {
      taskQueue: TASK_QUEUE,
      workflowId: start.workflowId,
      args: [start.input],
      staticSummary: start.staticSummary,
      staticDetails: start.staticDetails,
      typedSearchAttributes: start.searchAttributes,
      workflowIdConflictPolicy: 'FAIL',
    });
    const link = workflowHistoryUrl(target, handle.workflowId, handle.firstExecutionRunId);
    if (!opts.json) process.stderr.write(`started ${handle.workflowId}\n  ${link}\n`);
    const result = (await handle.result()) as R;
    emit({ ...result, webUiUrl: link }, { json: !!opts.json }, (r) => `${render(r)}\nHistory: ${link}`);
    return result.verdict === 'PASS' ? ExitCode.ok : ExitCode.failed;
  });
}
