import { refuseOnPreflightFailure } from './doctor';
import type { Command } from 'commander';
import { productionGuardProblem } from '../../domain/traffic/production-guard';
import { ROLLBACK_WORKFLOW, rollbackWorkflowId, type RollbackDrillInput, type RollbackDrillResult } from '../../shared/rollback';
import { startUnderTrafficLock, TrafficLockHeldError } from '../../shared/traffic-lock';
import { DrillEnvironment, DrillKind, DrillServiceGroup } from '../../temporal/search-attributes';
import { TASK_QUEUE } from '../../temporal/task-queue';
import { workflowHistoryUrl } from '../../temporal/web-ui';
import { loadEnvironment, withClient, type GlobalOptions } from '../context';
import { CliError, ExitCode } from '../errors';
import { actingIdentity } from '../identity';
import { emit, table, verdictText } from '../output';

export interface RollbackOptions {
  apply?: boolean;
  group?: string;
  /** `service=revision` or `role=revision`, repeatable. */
  target?: string[];
  confirm?: boolean;
  ticket?: string;
  reason?: string;
  as?: string;
}

function parseTargets(raw: string[] = []): Record<string, string> {
  const targets: Record<string, string> = {};
  for (const t of raw) {
    const at = t.indexOf('=');
    const key = t.slice(0, at).trim();
    const revision = t.slice(at + 1).trim();
    if (at <= 0 || !revision) throw new CliError(`--target ${t}: expected service=revision (or role=revision)`, ExitCode.usage);
    if (targets[key]) throw new CliError(`--target names ${key} twice`, ExitCode.usage);
    targets[key] = revision;
  }
  return targets;
}

/**
 * The drill's input from the config. Everything that can be checked without Cloud Run is checked
 * here, so a bad group, target or missing production confirmation starts nothing.
 */
export function rollbackDrillInput(global: GlobalOptions, opts: RollbackOptions = {}): RollbackDrillInput {
  const { name, env, source } = loadEnvironment(global);
  if (!env.cloudRun) throw new CliError(`environment "${name}" in ${source} has no cloudRun section`, ExitCode.usage, 'add cloudRun.project and cloudRun.region');
  const groups = Object.keys(env.serviceGroups);
  const group = opts.group ?? (groups.length === 1 ? groups[0] : undefined);
  if (!group) {
    throw new CliError(
      groups.length ? `environment "${name}" has several service groups; pass --group` : `environment "${name}" in ${source} has no serviceGroups`,
      ExitCode.usage,
      groups.length ? `one of: ${groups.join(', ')}` : 'add serviceGroups.<name>.services.<role>.service',
    );
  }
  const config = env.serviceGroups[group];
  if (!config) throw new CliError(`environment "${name}" has no service group "${group}"`, ExitCode.usage, `one of: ${groups.join(', ') || '(none)'}`);
  const services = Object.entries(config.services).map(([role, s]) => ({ role, service: s.service, probe: s.probe }));
  const targets = parseTargets(opts.target);
  for (const key of Object.keys(targets)) {
    if (!services.some((s) => s.role === key || s.service === key)) {
      throw new CliError(`service group ${group} has no service "${key}"`, ExitCode.usage, `use a role or service id of the group: ${services.map((s) => `${s.role} (${s.service})`).join(', ')}; nothing was changed`);
    }
  }
  const input: RollbackDrillInput = {
    environment: name,
    group,
    production: env.production,
    mode: opts.apply ? 'apply' : 'dry-run',
    cloudRun: { ...env.cloudRun, sandbox: env.sandbox },
    services,
    rollback: env.rollback,
    targets,
    requestedBy: actingIdentity(opts.as),
    confirmation: opts.confirm || opts.ticket || opts.reason ? { confirmed: !!opts.confirm, ticket: opts.ticket, reason: opts.reason } : undefined,
    approvers: env.productionGuard?.approvers ?? [],
  };
  const refused = productionGuardProblem({ ...input, changesTraffic: opts.apply === true });
  if (refused) throw new CliError(`rollback drill refused: ${refused}`, ExitCode.usage, 'nothing was changed; a dry run (without --apply) needs no confirmation');
  return input;
}

export function renderRollback(r: RollbackDrillResult): string {
  const scope = `${r.environment} / ${r.group} (${r.project}, ${r.region})`;
  if (r.mode === 'dry-run') {
    return [
      `Rollback drill plan (dry-run) on ${scope}: nothing changed.`,
      table(['role', 'service', 'current', 'rollback', 'why'], r.services.map((s) => [s.role, s.service, s.current, s.target, s.targetReason])),
      ...r.services.map((s) => `${s.role} traffic: ${s.originalSummary} -> during the drill: ${s.rollbackSummary}`),
      `To execute: drillctl drill rollback --apply --group ${r.group}`,
    ].join('\n');
  }
  const yes = (b: boolean | undefined) => (b === undefined ? '-' : b ? 'yes' : 'NO');
  const secs = (n: number | undefined) => (n === undefined ? '-' : n.toFixed(2));
  return [
    `Rollback drill on ${scope}: ${verdictText(r.verdict)}`,
    table(['role', 'service', 'current', 'rollback', 'RTO s', 'restore s', 'restored'], r.services.map((s) => [s.role, s.service, s.current, s.target, secs(s.rtoSeconds), secs(s.restoreSeconds), yes(s.trafficRestored)])),
    `Rollback RTO seconds: ${secs(r.rtoSeconds)} (target ${r.rtoTargetSeconds})${r.rtoStrategy ? `, measured with revision identity ${r.rtoStrategy}` : ''}`,
    ...(r.rtoMeaning ? [`What it means: ${r.rtoMeaning}`] : []),
    ...r.services.flatMap((s) => (s.identityFallback ? [`${s.service}: versionEndpoint fell back to none: ${s.identityFallback}`] : [])),
    `Restore seconds: ${secs(r.restoreSeconds)}`,
    `Total drill seconds: ${secs(r.totalSeconds)}`,
    `Traffic restored: ${yes(r.trafficRestored)}${r.restoreFailures ? ` (after ${r.restoreFailures} failed restore attempts)` : ''}`,
    ...r.reasons.map((reason) => `FAIL: ${reason}`),
  ].join('\n');
}

/** Starts the drill (an applied one under the group's traffic lock), waits, prints; returns the exit code. */
export async function runRollbackDrill(g: GlobalOptions, opts: RollbackOptions = {}): Promise<number> {
  const input = rollbackDrillInput(g, opts);
  const apply = input.mode === 'apply';
  if (apply) await refuseOnPreflightFailure(g, input.group, 'drill rollback --apply');
  return withClient(g, async (client, target) => {
    const start = {
      taskQueue: TASK_QUEUE,
      args: [input],
      staticSummary: `Rollback drill (${apply ? '**apply**' : 'dry run'}) on **${input.environment}** / ${input.group}`,
      staticDetails: [
        `Services: ${input.services.map((s) => `${s.role} ${s.service}`).join(', ')}`,
        `Targets: ${Object.entries(input.targets).map(([k, v]) => `${k}=${v}`).join(', ') || 'newest Ready revision before the serving one'}`,
        `RTO target: ${input.rollback.rtoTargetSeconds} s; probes every ${input.rollback.probeIntervalMs} ms, ${input.rollback.consecutiveHealthy} consecutive answers`,
        `Started by: ${input.requestedBy}${input.confirmation?.ticket ? `, ticket ${input.confirmation.ticket}: ${input.confirmation.reason ?? ''}` : ''}`,
      ].join('\n'),
      typedSearchAttributes: [
        { key: DrillEnvironment, value: input.environment },
        { key: DrillKind, value: 'rollback' },
        { key: DrillServiceGroup, value: input.group },
      ],
    };
    let handle;
    try {
      handle = apply
        ? await startUnderTrafficLock(client.workflow, ROLLBACK_WORKFLOW, { ...start, environment: input.environment, group: input.group })
        : await client.workflow.start(ROLLBACK_WORKFLOW, { ...start, workflowId: rollbackWorkflowId(input.environment, input.group, input.mode, new Date()), workflowIdConflictPolicy: 'FAIL' });
    } catch (err) {
      if (err instanceof TrafficLockHeldError) throw new CliError(err.message, ExitCode.failed, `see it with \`drillctl list\` or in the Web UI: ${workflowHistoryUrl(target, err.workflowId)}`);
      throw err;
    }
    const link = workflowHistoryUrl(target, handle.workflowId, handle.firstExecutionRunId);
    if (!g.json) process.stderr.write(`started ${handle.workflowId}\n  ${link}\n`);
    const result = (await handle.result()) as RollbackDrillResult;
    emit({ ...result, webUiUrl: link }, { json: !!g.json }, (r) => `${renderRollback(r)}\nHistory: ${link}`);
    return result.verdict === 'FAIL' ? ExitCode.failed : ExitCode.ok;
  });
}

export function registerDrillRollback(drill: Command, global: () => GlobalOptions): void {
  drill
    .command('rollback')
    .description('plan (default) or, with --apply, run a rollback of a service group on Cloud Run: RTO measured on the data plane, original traffic restored exactly')
    .option('--apply', 'shift traffic for real (default: dry run, nothing changes)')
    .option('--group <name>', 'service group (default: the only one)')
    .option('--target <service=revision>', 'rollback target for one service (role or service id); repeatable', (v: string, prev: string[] = []) => [...prev, v])
    .option('--confirm', 'confirm a traffic change in a production environment (with --ticket and --reason)')
    .option('--ticket <id>', 'change ticket for a production drill')
    .option('--reason <text>', 'why a production drill is run')
    .option('--as <name>', 'who is running it (default: $DRILLCTL_USER or the OS user)')
    .action(async (opts: RollbackOptions) => {
      process.exitCode = await runRollbackDrill(global(), opts);
    });
}
