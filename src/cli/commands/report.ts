import type { Command } from 'commander';
import { renderReadinessJson, renderReadinessMarkdown } from '../../domain/report/readiness';
import { READINESS_GATE_WORKFLOW, type ReadinessGateResult } from '../../shared/readiness-gate';
import { withClient, type GlobalOptions } from '../context';
import { CliError } from '../errors';
import { finishedRun } from '../../shared/run-conclusion';

/** Report renderers by workflow type; each renders only from the workflow's result. */
const RENDERERS: Record<string, { md: (r: never) => string; json: (r: never) => string }> = {
  [READINESS_GATE_WORKFLOW]: { md: renderReadinessMarkdown, json: renderReadinessJson },
};

export function registerReport(program: Command, global: () => GlobalOptions): void {
  program
    .command('report')
    .description('print the report of a finished readiness gate or rollout, rendered from its recorded result')
    .argument('<workflowId>')
    .option('--format <format>', 'md or json', 'md')
    .action(async (workflowId: string, o: { format: string }) => {
      if (o.format !== 'md' && o.format !== 'json') throw new CliError(`--format "${o.format}" is not supported`, 2, 'use --format md or --format json');
      const text = await withClient(global(), async (client) => {
        const handle = client.workflow.getHandle(workflowId);
        const d = await handle.describe();
        const renderer = RENDERERS[d.type];
        if (!renderer) throw new CliError(`${workflowId} is a ${d.type} workflow, which has no report`, 2, `reports exist for: ${Object.keys(RENDERERS).join(', ')}`);
        if (d.status.name === 'RUNNING') throw new CliError(`${workflowId} is still running`, 2, 'wait for it to finish, or watch it in the Web UI');
        const result = await finishedRun<ReadinessGateResult>(handle);
        return (o.format === 'md' ? renderer.md : renderer.json)(result as never);
      });
      process.stdout.write(text);
    });
}

