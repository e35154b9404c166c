import { refuseOnPreflightFailure } from './doctor';
import type { Command } from 'commander';
import type * as PlanTimeline from '../../domain/rollout/plan-timeline';
import type * as Report from '../../domain/rollout/report';
import { ROLLOUT_WORKFLOW } from '../../shared/rollout';
import { startUnderTrafficLock, TrafficLockHeldError } from '../../shared/traffic-lock';
import { TASK_QUEUE } from '../../temporal/task-queue';
import { workflowHistoryUrl } from '../../temporal/web-ui';
import { temporalTarget, withClient, type GlobalOptions } from '../context';
import { drillSearchAttributes } from '../drill-kinds';
import { CliError, ExitCode } from '../errors';
import { actingIdentity } from '../identity';
import { emit } from '../output';
import { exitCodeOf, finishedRollout } from './rollout-handle';
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
    .action((o: { file: string }) => {
      const g = global();
      const { planTimeline, renderPlanTimeline } = timelines();
      const { plan } = inputs().readPlan(g, o.file);
      const timeline = planTimeline(plan);
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
      const target = temporalTarget(g);
      const { planTimeline, renderPlanTimeline } = timelines();
      const input = inputs().rolloutInput(g, { file: o.file, as: actingIdentity(o.as), confirm: o.confirm, ticket: o.ticket, reason: o.reason }, (id) => workflowHistoryUrl(target, id));
      await refuseOnPreflightFailure({ ...g, env: input.environment }, input.group, 'rollout start');
      process.exitCode = await withClient(g, async (client) => {
        let handle;
        try {
          handle = await startUnderTrafficLock(client.workflow, ROLLOUT_WORKFLOW, {
            environment: input.environment,
            group: input.group,
            taskQueue: TASK_QUEUE,
            args: [input],
            staticSummary: `Staged rollout of **${input.group}** on **${input.environment}**: ${input.plan.steps.map((s) => `${s.name} ${s.percent}%`).join(' → ')}`,
            staticDetails: `${renderPlanTimeline(planTimeline(input.plan))}\n\nStarted by: ${input.initiator}`,
            typedSearchAttributes: drillSearchAttributes('rollout', input.environment, input.group),
          });
        } catch (err) {
          if (err instanceof TrafficLockHeldError) throw new CliError(err.message, ExitCode.failed, `see it with \`drillctl rollout status --group ${input.group}\` or in the Web UI: ${workflowHistoryUrl(target, err.workflowId)}`);
          throw err;
        }
        const started = { workflowId: handle.workflowId, runId: handle.firstExecutionRunId, environment: input.environment, group: input.group, initiator: input.initiator, steps: input.plan.steps.map((s) => s.name), webUiUrl: input.webUiUrl };
        if (!o.wait) {
          emit(started, { json: !!g.json }, (s) =>
            [`Started rollout ${s.workflowId} (${s.steps.join(' → ')})`, `  Web UI: ${s.webUiUrl}`, `  Watch:  drillctl rollout status --group ${s.group} --watch`].join('\n'),
          );
          return ExitCode.ok;
        }
        if (!g.json) process.stderr.write(`started ${handle.workflowId}\n  ${input.webUiUrl}\n`);
        const result = await finishedRollout(handle);
        emit(result, { json: !!g.json }, reports().renderRolloutMarkdown);
        return exitCodeOf(result);
      });
    });
}
