import type { Command } from 'commander';
import type * as PlanTimeline from '../../domain/rollout/plan-timeline';
import type * as Report from '../../domain/rollout/report';
import { TrafficLockHeldError } from '../../contracts/traffic-lock';
import type * as ChangeWindowSettings from '../../settings/change-window';
import type * as RolloutSettings from '../../settings/rollout';
import { callerConfig, withDrillClient, type GlobalOptions } from '../context';
import { CliError, ExitCode } from '../errors';
import { actingIdentity } from '../identity';
import { emit } from '../output';
import { followRun } from '../progress/follow-run';
import { progressView } from '../progress/live-view';
import { refuseOnPreflightFailure } from './doctor';
import { exitCodeOf } from './rollout-handle';
import type * as RolloutInput from './rollout-input';

// Loaded when a command runs: plans, timelines and reports pull in zod and YAML, which would
// otherwise weigh on every cold start (`--help`, `rollout status`).
/* eslint-disable @typescript-eslint/no-require-imports */
const inputs = () => require('./rollout-input') as typeof RolloutInput;
const timelines = () => require('../../domain/rollout/plan-timeline') as typeof PlanTimeline;
const reports = () => require('../../domain/rollout/report') as typeof Report;
/* eslint-enable @typescript-eslint/no-require-imports */

interface StartFlags {
  file: string;
  as?: string;
  wait?: boolean;
  confirm?: boolean;
  ticket?: string;
  reason?: string;
}

export function registerRolloutPlan(rollout: Command, global: () => GlobalOptions): void {
  rollout
    .command('plan')
    .description('validate a plan against the config and print its timeline and expected duration (changes nothing, starts nothing)')
    .requiredOption('-f, --file <plan.yaml>', 'the rollout plan')
    .option('--start-at <time>', 'with change windows: when each step could start if the rollout started at this ISO time (default: now)')
    .action((o: { file: string; startAt?: string }) => {
      const g = global();
      const { planTimeline, renderPlanTimeline } = timelines();
      const { plan, config } = inputs().readPlan(g, o.file);
      const fromMs = o.startAt === undefined ? Date.now() : Date.parse(o.startAt);
      if (Number.isNaN(fromMs)) throw new CliError(`--start-at "${o.startAt}" is not a time`, ExitCode.usage, 'write an ISO time like 2026-12-21T08:00:00Z');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const windows = (require('../../settings/change-window') as typeof ChangeWindowSettings).changeWindowsOf(config, plan.environment);
      const timeline = planTimeline(plan, windows ? { windows, fromMs } : undefined);
      emit(timeline, { json: !!g.json }, renderPlanTimeline);
    });
}

export function registerRolloutStart(rollout: Command, global: () => GlobalOptions): void {
  rollout
    .command('start')
    .description('start a staged rollout from a plan; it runs for as long as its bakes and approvals take')
    .requiredOption('-f, --file <plan.yaml>', 'the rollout plan')
    .option('--as <name>', 'who starts it (default: $DRILLCTL_USER or your OS user); may not approve its steps unless a step allows it')
    .option('--wait', 'wait for the rollout to finish and print its report (exit 1 when it aborts)')
    .option('--confirm', 'confirm a traffic change in a production environment (with --ticket and --reason)')
    .option('--ticket <id>', 'change ticket (production)')
    .option('--reason <text>', 'why (production)')
    .action(async (o: StartFlags) => {
      const g = global();
      const { planTimeline, renderPlanTimeline } = timelines();
      const request = inputs().rolloutRequest(g, { file: o.file, as: actingIdentity(o.as), confirm: o.confirm, ticket: o.ticket, reason: o.reason });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require('../../settings/rollout') as typeof RolloutSettings).rolloutSettings(callerConfig({ ...g, env: request.environment }).config, request);
      await refuseOnPreflightFailure({ ...g, env: request.environment }, request.group, 'rollout start');
      process.exitCode = await withDrillClient({ ...g, env: request.environment }, async (client) => {
        let run;
        try {
          run = await client.startRollout(request, renderPlanTimeline(planTimeline(request.plan)));
        } catch (err) {
          if (err instanceof TrafficLockHeldError) throw new CliError(err.message, ExitCode.failed, `see it with \`drillctl rollout status --group ${request.group}\` or in the Web UI: ${client.webUiUrl(err.workflowId)}`);
          throw err;
        }
        const webUiUrl = client.webUiUrl(run.workflowId);
        const started = { workflowId: run.workflowId, runId: run.runId, environment: request.environment, group: request.group, initiator: request.initiator, steps: request.plan.steps.map((s) => s.name), webUiUrl };
        if (!o.wait) {
          emit(started, { json: !!g.json }, (s) =>
            [`Started rollout ${s.workflowId} (${s.steps.join(' → ')})`, `  Web UI: ${s.webUiUrl}`, `  Watch:  drillctl rollout status --group ${s.group} --watch`].join('\n'),
          );
          return ExitCode.ok;
        }
        if (!g.json) process.stderr.write(`started ${run.workflowId}\n  ${webUiUrl}\n`);
        const result = await followRun(client, run.workflowId, run.runId, progressView(process.stderr, !!g.json), run.result());
        emit(result, { json: !!g.json }, reports().renderRolloutMarkdown);
        return exitCodeOf(result);
      });
    });
}
