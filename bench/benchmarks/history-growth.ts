import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { finishedRollout } from '../../src/client';
import type { RolloutResult } from '../../src/contracts/rollout';
import { startTestEndpoint } from '../../test/support/rollout-sandbox';
import { atMost, context, max, median, type Benchmark, type BenchContext } from '../harness';
import { allGatesPlan, approveEveryStep, startRolloutSandbox, type RolloutSandbox } from '../support/rollout-sandbox';
import { benchWorker } from '../support/worker';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

/** Every run's events in the continue-as-new chain that starts at the handle's first run. */
async function historyChain(client: Client, workflowId: string, firstRunId: string): Promise<{ runId: string; events: HistoryEvent[] }[]> {
  const runs: { runId: string; events: HistoryEvent[] }[] = [];
  for (let runId: string | undefined = firstRunId; runId; ) {
    const events: HistoryEvent[] = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    runs.push({ runId, events });
    runId = events[events.length - 1]?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

/** The DrillStep value an event sets (the workflow upserts it on every phase change), if any. */
function drillStepOf(e: HistoryEvent): string | undefined {
  const data = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.DrillStep?.data;
  return data ? (JSON.parse(Buffer.from(data).toString('utf8')) as string) : undefined;
}

/** Each step's events: an event belongs to the step the last DrillStep upsert named. */
function eventsByStep(events: HistoryEvent[], stepNames: string[]): HistoryEvent[][] {
  const byStep = new Map<string, HistoryEvent[]>();
  let current = 'preflight';
  for (const e of events) {
    current = drillStepOf(e) ?? current;
    if (!byStep.has(current)) byStep.set(current, []);
    byStep.get(current)!.push(e);
  }
  return stepNames.map((s) => byStep.get(s) ?? []);
}

const KINDS: [string, RegExp][] = [
  ['workflow task', /WORKFLOW_TASK/],
  ['activity', /ACTIVITY_TASK/],
  ['child workflow', /CHILD_WORKFLOW/],
  ['timer', /TIMER/],
  ['update', /UPDATE/],
  ['search attributes', /SEARCH_ATTRIBUTES/],
];

/** What one step's events are: counts by kind, and the activities it scheduled by type. */
function composition(events: HistoryEvent[]): string {
  const count = (name: string) => (m: Map<string, number>) => m.set(name, (m.get(name) ?? 0) + 1);
  const kinds = new Map<string, number>();
  const activities = new Map<string, number>();
  for (const e of events) {
    const type = EventType[e.eventType ?? 0] ?? '';
    count(KINDS.find(([, re]) => re.test(type))?.[0] ?? 'other')(kinds);
    const scheduled = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (scheduled) count(scheduled)(activities);
  }
  const list = (m: Map<string, number>) => [...m].map(([k, n]) => `${k} ${n}`).join(', ');
  return `${list(kinds)} (activities: ${list(activities)})`;
}

interface Measured {
  result: RolloutResult;
  runs: { runId: string; events: HistoryEvent[] }[];
  byStep: HistoryEvent[][];
  perStep: number[];
  seconds: number;
}

async function measure(ctx: BenchContext, rs: RolloutSandbox, client: Client, plan: string, continueAsNewAfterEvents?: number): Promise<Measured> {
  const t0 = Date.now();
  const handle = await rs.start(client, plan, continueAsNewAfterEvents ? { continueAsNewAfterEvents } : {});
  await approveEveryStep(handle);
  const result = await finishedRollout(handle);
  const runs = await historyChain(client, handle.workflowId, handle.firstExecutionRunId);
  const byStep = eventsByStep(runs.flatMap((r) => r.events), result.stepNames);
  const seconds = (Date.now() - t0) / 1000;
  ctx.log(`${result.stepNames.length} steps${continueAsNewAfterEvents ? ` (continue-as-new after ${continueAsNewAfterEvents})` : ''}: ${result.outcome} in ${seconds.toFixed(0)} s, ${runs.length} run(s): ${runs.map((r) => r.events.length).join(' + ')} events`);
  return { result, runs, byStep, perStep: byStep.map((e) => e.length), seconds };
}

const total = (m: Measured): number => m.runs.reduce((n, r) => n + r.events.length, 0);

/** History of a staged rollout with every gate on every step, and the continue-as-new policy at work. */
export const historyGrowth: Benchmark = {
  name: 'history-growth',
  description: 'History growth: events per step and in total for a 20-step plan with all gates (target < 2,000); continue-as-new carrying the audit trail',
  async run(ctx) {
    const steps = ctx.quick ? 3 : 20;
    // Quick mode lowers the threshold so that the short plan continues as new too.
    const threshold = ctx.quick ? 200 : undefined;
    const { client } = await benchWorker(ctx);
    const webhook = await startTestEndpoint();
    const rs = await startRolloutSandbox(ctx, 'history-growth', { notifyWebhook: webhook.url });
    try {
      const m = await measure(ctx, rs, client, allGatesPlan({ steps, bake: '1s', interval: '1s', notify: true }, rs.sandbox.rollout.endpoints), threshold);
      const r = m.result;
      if (r.outcome !== 'promoted') throw new Error(`the ${steps}-step rollout did not promote: ${r.abortReason}`);
      const completed = r.steps.filter((s) => s.completedAt).length;
      const approved = r.approvals.filter((a) => a.decision === 'approved').length;
      const continued = r.timeline.filter((t) => t.event === 'continued-as-new');
      const whole = completed === steps && approved === steps && r.gates.length === 4 * steps + 1 && r.runs === m.runs.length;
      if (!whole) throw new Error(`audit trail incomplete across ${m.runs.length} runs: ${completed} steps completed, ${approved} approvals, ${r.gates.length} gates, state.runs ${r.runs}`);
      const typical = m.perStep.reduce((best, n, i) => (Math.abs(n - median(m.perStep)) < Math.abs(m.perStep[best]! - median(m.perStep)) ? i : best), 0);
      const notes = [
        `${steps} steps, each with gates health, backup-restore, replay and rollback, a required approval (approvers, 10m timeout), a cohort hook, a 1 s bake with analysis every 1 s (tag and service probes, 4 metrics) and a notification; ${r.gates.reduce((n, g) => n + (g.step === 'preflight' ? 0 : 1), 0)} gate drills ran as child workflows (their events are in their own histories).`,
        `Events per step: ${m.perStep.join(', ')}. Events per run: ${m.runs.map((x) => x.events.length).join(' + ')} = ${total(m)}.`,
        `Step ${r.stepNames[typical]} (${m.perStep[typical]} events): ${composition(m.byStep[typical]!)}. Every activity costs about 6 events (scheduled, started, completed, and the workflow task it wakes), a gate 9 (its child's initiated, started and completed, and the two workflow tasks they wake; the drill's own events are in its own history).`,
        m.runs.length > 1
          ? `Continue-as-new (after ${threshold ?? 2000} events) gave ${m.runs.length} runs; the last run's result holds the whole audit trail: ${completed}/${steps} steps completed, ${approved} approvals, ${r.gates.length} gate records, ${r.timeline.length + r.timelineDropped} timeline entries (${continued.map((c) => c.detail).join('; ')}).`
          : `Continue-as-new did not trigger: the run had ${total(m)} events, under the ${threshold ?? 2000}-event threshold, so the run stayed whole.`,
      ];
      return {
        benchmark: this.name,
        description: this.description,
        figures: [
          context('events per step, median', median(m.perStep), 'events'),
          context('events per step, max', max(m.perStep), 'events'),
          atMost(`total events, ${steps}-step plan with all gates`, total(m), 'events', 2000),
          context('largest run in the chain', max(m.runs.map((x) => x.events.length)), 'events'),
          context('workflow runs in the chain', m.runs.length, 'runs'),
          context('steps completed across runs', completed, 'steps'),
          context('rollout wall time', m.seconds, 's'),
        ],
        notes,
      };
    } finally {
      await webhook.stop();
      await rs.stop();
    }
  },
};
