import type { Command } from 'commander';
import type { HealthDrillResult } from '../../shared/health';
import type { GlobalOptions } from '../context';
import { seconds, table, verdictText } from '../output';
import { runDrill } from '../run-drill';

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
    .action(async () => {
      process.exitCode = await runHealthDrill(global());
    });
}

export async function runHealthDrill(g: GlobalOptions): Promise<number> {
  return runDrill<HealthDrillResult>(g, (client, caller) => client.startHealth({ environment: caller.environment }), renderHealth);
}
