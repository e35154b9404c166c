import type { Command } from 'commander';
import { workflowHistoryUrl } from '../../temporal/web-ui';
import { withClient, type GlobalOptions } from '../context';
import { emit, table } from '../output';
import { visibilityQuery, type ListedRun } from './list';

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
      const runs = await withClient(g, async (client, target) => {
        const out: (ListedRun & { step?: string })[] = [];
        for await (const wf of client.workflow.list({ query })) {
          const get = (name: string): string | undefined => wf.typedSearchAttributes.getAll().find((p) => p.key.name === name)?.value as string | undefined;
          out.push({
            workflowId: wf.workflowId,
            type: wf.type,
            status: wf.status.name,
            startTime: wf.startTime.toISOString(),
            environment: get('DrillEnvironment'),
            group: get('DrillServiceGroup'),
            kind: get('DrillKind'),
            step: get('DrillStep'),
            outcome: get('DrillOutcome'),
            webUiUrl: workflowHistoryUrl(target.address, target.namespace, wf.workflowId, wf.runId),
          });
          if (out.length >= Number(o.limit)) break;
        }
        return out;
      });
      emit(runs, { json: !!g.json }, (rs) => (rs.length ? table(['workflow id', 'status', 'step', 'outcome', 'started'], rs.map((r) => [r.workflowId, r.status, r.step ?? '', r.outcome ?? '', r.startTime])) : 'No rollouts.'));
    });
}
