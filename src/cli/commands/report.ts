import type { Command } from 'commander';
import { withRunClient, type GlobalOptions } from '../context';
import { CliError, ExitCode } from '../errors';
import { renderRunReport, renderRunReportJson } from '../run-report';

export function registerReport(program: Command, global: () => GlobalOptions): void {
  program
    .command('report')
    .description('print the report of any finished run (drill, gate or rollout), rendered from its recorded result')
    .argument('<workflowId>')
    .option('--format <format>', 'md or json (default: json with --json, else md)')
    .action(async (workflowId: string, o: { format?: string }) => {
      const g = global();
      const format = o.format ?? (g.json ? 'json' : 'md');
      if (format !== 'md' && format !== 'json') throw new CliError(`--format "${format}" is not supported`, ExitCode.usage, 'use --format md or --format json');
      const text = await withRunClient(g, async (client) => {
        const finished = await client.result(workflowId);
        // Exactly the report the run wrote (the gate's is compared byte for byte), so no link is added.
        return format === 'md' ? renderRunReport(finished).replace(/\n?$/, '\n') : renderRunReportJson(finished);
      });
      process.stdout.write(text);
    });
}
