import type { Command } from 'commander';
import { DrillEnvironment, DrillKind } from '../../temporal/search-attributes';
import { HEALTH_WORKFLOW, healthWorkflowId, type HealthDrillInput, type HealthDrillResult } from '../../shared/health';
import { loadEnvironment, type GlobalOptions } from '../context';
import { CliError } from '../errors';
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

export function healthInput(global: GlobalOptions): HealthDrillInput {
  const { name, env, source } = loadEnvironment(global);
  if (!env.health) throw new CliError(`environment "${name}" in ${source} has no health section`, 2, 'add health.backendUrl and health.dashboardUrl');
  const cloudRunServices = [...new Set(Object.values(env.serviceGroups).flatMap((g) => Object.values(g.services).map((s) => s.service)))];
  if (!env.cloudRun || cloudRunServices.length === 0) return { environment: name, health: env.health };
  return { environment: name, health: env.health, cloudRun: { ...env.cloudRun, sandbox: env.sandbox }, cloudRunServices };
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
  const input = healthInput(g);
  return runDrill<HealthDrillInput, HealthDrillResult>(
        g,
        {
          workflowType: HEALTH_WORKFLOW,
          workflowId: healthWorkflowId(input.environment, new Date()),
          input,
          staticSummary: `Health drill on **${input.environment}**`,
          staticDetails: `Backend: ${input.health.backendUrl}\nDashboard: ${input.health.dashboardUrl}\nAttempts per check: ${input.health.attempts}`,
          searchAttributes: [
            { key: DrillEnvironment, value: input.environment },
            { key: DrillKind, value: 'health' },
          ],
        },
        renderHealth,
      );
}
