import type { Command } from 'commander';
import type { ListedRun } from '../../client';
import { withRunClient, type GlobalOptions } from '../context';
import { CliError } from '../errors';
import { emit, table } from '../output';

export type { ListedRun };

const FILTERS = { kind: 'DrillKind', env: 'DrillEnvironment', group: 'DrillServiceGroup', outcome: 'DrillOutcome' } as const;

/** A visibility query from the filter flags; values are quoted, so user input cannot change the query. */
export function visibilityQuery(filters: Partial<Record<keyof typeof FILTERS, string>>): string {
  const clauses = Object.entries(filters)
    .filter(([, v]) => v)
    .map(([k, v]) => {
      if (!/^[-\w.]+$/.test(v!)) throw new CliError(`--${k} "${v}" may contain only letters, digits, dots, dashes and underscores`, 2);
      return `${FILTERS[k as keyof typeof FILTERS]} = '${v}'`;
    });
  return clauses.join(' AND ');
}

export function registerList(program: Command, global: () => GlobalOptions): void {
  program
    .command('list')
    .description('recent drills and rollouts, filtered by search attributes')
    .option('--kind <kind>', 'health, backup-restore, replay, rollback, readiness-gate, rollout')
    .option('--env <name>', 'environment (search attribute DrillEnvironment)')
    .option('--group <name>', 'service group')
    .option('--outcome <verdict>', 'PASS, FAIL, ...')
    .option('--limit <n>', 'at most this many', '20')
    .action(async (o: { kind?: string; env?: string; group?: string; outcome?: string; limit: string }) => {
      const g = global();
      // `--env` is also a global option, which commander gives precedence after the command name.
      const query = visibilityQuery({ kind: o.kind, env: o.env ?? g.env, group: o.group, outcome: o.outcome });
      const runs = await withRunClient(g, (client) => client.listRuns(query, Number(o.limit)));
      emit(runs, { json: !!g.json }, (rs) =>
        rs.length ? table(['workflow id', 'kind', 'status', 'outcome', 'started'], rs.map((r) => [r.workflowId, r.kind ?? r.type, r.status, r.outcome ?? '', r.startTime])) : 'No matching runs.',
      );
    });
}
