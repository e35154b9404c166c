import { refuseOnPreflightFailure } from './doctor';
import type { Command } from 'commander';
import type { RollbackDrillRequest, RollbackDrillResult } from '../../contracts/rollback';
import { TrafficLockHeldError } from '../../contracts/traffic-lock';
import type * as DrillSettings from '../../settings/drills';
import { callerConfig, type GlobalOptions } from '../context';
import { CliError, ExitCode } from '../errors';
import { actingIdentity } from '../identity';
import { table, verdictText } from '../output';
import { DETACH_HELP, runDrill, type RunFlags } from '../run-drill';

export interface RollbackOptions extends RunFlags {
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

/** The drill's request from the command line; the worker resolves services, probes and the production flag from its config. */
export function rollbackDrillRequest(environment: string, opts: RollbackOptions = {}): RollbackDrillRequest {
  return {
    environment,
    ...(opts.group ? { group: opts.group } : {}),
    mode: opts.apply ? 'apply' : 'dry-run',
    targets: parseTargets(opts.target),
    requestedBy: actingIdentity(opts.as),
    ...(opts.confirm || opts.ticket || opts.reason ? { confirmation: { confirmed: !!opts.confirm, ticket: opts.ticket, reason: opts.reason } } : {}),
  };
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
export async function runRollbackDrill(g: GlobalOptions & RunFlags, opts: RollbackOptions = {}): Promise<number> {
  if (opts.apply) {
    // The request's own refusals (exit 2) come before the preflight reaches Cloud Run.
    const caller = callerConfig(g);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('../../settings/drills') as typeof DrillSettings).rollbackDrillSettings(caller.config, rollbackDrillRequest(caller.environment, opts));
    await refuseOnPreflightFailure(g, opts.group, 'drill rollback --apply');
  }
  return runDrill<RollbackDrillResult>(
    g,
    async (client, caller) => {
      try {
        return await client.startRollback(rollbackDrillRequest(caller.environment, opts));
      } catch (err) {
        if (err instanceof TrafficLockHeldError) throw new CliError(err.message, ExitCode.failed, `see it with \`drillctl list\` or in the Web UI: ${client.webUiUrl(err.workflowId)}`);
        throw err;
      }
    },
    renderRollback,
  );
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
    .option('--detach', DETACH_HELP)
    .action(async (opts: RollbackOptions) => {
      process.exitCode = await runRollbackDrill({ ...global(), detach: opts.detach }, opts);
    });
}
