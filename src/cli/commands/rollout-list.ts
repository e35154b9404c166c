import type { Command } from 'commander';
import { withRunClient, type GlobalOptions } from '../context';
import { emit, table } from '../output';
import { visibilityQuery } from './list';

export function registerRolloutList(rollout: Command, global: () => GlobalOptions): void {
  rollout
    .command('list')
    .description('recent rollouts, newest first (search attributes DrillKind=rollout, step, outcome)')
    .option('--group <name>', 'service group')
    .option('--outcome <verdict>', 'PASS (promoted), FAIL (aborted), COMPENSATION_STUCK')
    .option('--limit <n>', 'at most this many', '20')
    .action(async (o: { group?: string; outcome?: string; limit: string }) => {
      const g = global();
      const query = visibilityQuery({ kind: 'rollout', env: g.env, group: o.group, outcome: o.outcome });
      const runs = await withRunClient(g, (client) => client.listRuns(query, Number(o.limit)));
      emit(runs, { json: !!g.json }, (rs) => (rs.length ? table(['workflow id', 'status', 'step', 'outcome', 'started'], rs.map((r) => [r.workflowId, r.status, r.step ?? '', r.outcome ?? '', r.startTime])) : 'No rollouts.'));
    });
}
