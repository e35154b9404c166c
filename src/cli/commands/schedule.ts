import type { Command } from 'commander';
import type { ScheduleHandle } from '@temporalio/client';
import { SCHEDULE_KIND_NAMES, type ScheduleKind } from '../../contracts/schedule-kinds';
import { withDrillClient, withRunClient, type GlobalOptions } from '../context';
import { actingIdentity } from '../identity';
import { CliError } from '../errors';
import { emit, table } from '../output';


function scheduleKind(kind: string): ScheduleKind {
  if (!(SCHEDULE_KIND_NAMES as readonly string[]).includes(kind)) throw new CliError(`unknown drill kind "${kind}"`, 2, `choose one of: ${SCHEDULE_KIND_NAMES.join(', ')}`);
  return kind as ScheduleKind;
}

/** Accepts Temporal's duration strings ("30m", "24h", "7d"); refuses anything else before calling the server. */
export function parseEvery(every: string): string {
  if (!/^\d+(s|m|h|d)$/.test(every)) throw new CliError(`--every "${every}" is not a duration`, 2, 'use a number with s, m, h or d, e.g. --every 24h');
  return every;
}

export function registerSchedule(program: Command, global: () => GlobalOptions): void {
  const schedule = program.command('schedule').description('recurring drills with Temporal Schedules (overlap policy: skip)');

  schedule
    .command('create')
    .description('create a schedule that runs a drill (or the readiness gate) with the current config')
    .argument('<kind>', `what to run: ${SCHEDULE_KIND_NAMES.join(', ')}`)
    .option('--every <duration>', 'interval, e.g. 24h')
    .option('--cron <expr>', 'cron expression (UTC), e.g. "0 3 * * 1"')
    .option('--id <scheduleId>', 'schedule id (default: drill-<kind>-<env>)')
    .option('--paused', 'create it paused')
    .action(async (kind: string, o: { every?: string; cron?: string; id?: string; paused?: boolean }) => {
      const g = global();
      const k = scheduleKind(kind);
      if (!o.every === !o.cron) throw new CliError('give exactly one of --every or --cron', 2, 'e.g. --every 24h');
      const every = o.every ? parseEvery(o.every) : undefined;
      const scheduleId = await withDrillClient(g, (client, caller) =>
        client.createSchedule({ kind: k, environment: caller.environment, initiator: actingIdentity(), every, cron: o.cron, paused: o.paused, ...(o.id ? { scheduleId: o.id } : {}) }),
      );
      emit({ scheduleId, kind, every: o.every, cron: o.cron, paused: !!o.paused }, { json: !!g.json }, (r) => `Schedule ${r.scheduleId} created: ${kind} ${r.every ? `every ${r.every}` : `cron "${r.cron}"`}${r.paused ? ' (paused)' : ''}.`);
    });

  schedule
    .command('list')
    .description('schedules with their next and recent runs')
    .action(async () => {
      const g = global();
      const rows = await withRunClient(g, (client) => client.listSchedules());
      emit(rows, { json: !!g.json }, (rs) =>
        rs.length ? table(['schedule', 'workflow', 'paused', 'next run', 'recent runs'], rs.map((r) => [r.scheduleId, r.workflowType, r.paused ? 'yes' : 'no', r.nextRuns[0], r.recentRuns.length])) : 'No schedules.',
      );
    });

  const act = (name: string, description: string, run: (handle: ScheduleHandle, note: string) => Promise<void>) =>
    schedule
      .command(name)
      .description(description)
      .argument('<scheduleId>')
      .option('--note <text>', 'why (recorded on the schedule)', `drillctl schedule ${name}`)
      .action(async (scheduleId: string, o: { note: string }) => {
        const g = global();
        await withRunClient(g, async (client) => run(await client.schedule(scheduleId), o.note));
        emit({ scheduleId, done: name }, { json: !!g.json }, () => `Schedule ${scheduleId}: ${name} done.`);
      });
  act('pause', 'pause a schedule', (h, note) => h.pause(note));
  act('unpause', 'resume a paused schedule', (h, note) => h.unpause(note));
  act('trigger', 'start one run now (skipped if one is running)', (h) => h.trigger());
  act('delete', 'delete a schedule (runs it started are kept)', (h) => h.delete());
}
