import type { Command } from 'commander';
import type { HealthDrillResult } from '../../contracts/health';
import type { GlobalOptions } from '../context';
import { seconds, table, verdictText } from '../output';
import { DETACH_HELP, runDrill, type RunFlags } from '../run-drill';

export function renderHealth(r: HealthDrillResult): string {
  const rows = r.checks.map((c) => [c.ok ? 'ok' : 'FAIL', c.name, c.attempts, seconds(c.durationMs), c.servingRevision ?? '', c.detail]);
  return [
    `Health drill on ${r.environment}: ${verdictText(r.verdict)}`,
    table(['', 'check', 'attempts', 'time', 'revision', 'detail'], rows),
    `Total: ${seconds(r.durationMs)}`,
  ].join('\n');
}

export function registerDrillHealth(drill: Command, global: () => GlobalOptions): void {
  drill
    .command('health')
    .description('baseline health of backend, dashboard and Cloud Run readiness (changes nothing)')
    .option('--detach', DETACH_HELP)
    .action(async (o: RunFlags) => {
      process.exitCode = await runHealthDrill({ ...global(), detach: o.detach });
    });
}

export async function runHealthDrill(g: GlobalOptions & RunFlags): Promise<number> {
  return runDrill<HealthDrillResult>(g, (client, caller) => client.startHealth({ environment: caller.environment }), renderHealth);
}
