import fs from 'node:fs';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { allocationsEqual } from '../src/domain/traffic/allocation';
import { trafficLockWorkflowId } from '../src/contracts/traffic-lock';
import { readTraffic, type ChaosContext } from './context';
import type { ChaosWorkflow, StartedTrial } from './workflows';

export const INVARIANTS = ['traffic', 'single-apply', 'flags', 'lock', 'outcome', 'audit', 'secrets'] as const;
export type Invariant = (typeof INVARIANTS)[number];

/** Per invariant, what was wrong (empty: held). */
export type Verdicts = Record<Invariant, string[]>;

export interface TrialWindow {
  /** OK traffic updates per service in an undisturbed run of the same workflow. */
  baselineUpdates?: Record<string, number>;
}

/** Successful UpdateService calls per service since the trial began, from the emulator's call log. */
export function appliedUpdates(ctx: ChaosContext, wf: ChaosWorkflow, sinceMs: number) {
  return Object.fromEntries(wf.services.map((s) => [s, ctx.sandbox.cloudRun.calls({ method: 'UpdateService', service: s }).filter((c) => c.atMs >= sinceMs && c.outcome === 'OK')]));
}

/** Every workflow execution (lock holder, gate children) that began in the trial. */
async function executionsSince(temporal: Client, sinceMs: number): Promise<WorkflowExecutionInfo[]> {
  const out: WorkflowExecutionInfo[] = [];
  for await (const wf of temporal.workflow.list({ query: `StartTime >= "${new Date(sinceMs - 1000).toISOString()}"` })) out.push(wf);
  return out;
}

function historyText(value: unknown, out: string[] = []): string[] {
  if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (Array.isArray(value)) for (const v of value) historyText(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) historyText(v, out);
  else if (typeof value === 'string') out.push(value);
  return out;
}

/** Checks a closed trial from outside the product: Cloud Run's API, the emulator's log, the flag service, Temporal. */
export async function checkInvariants(ctx: ChaosContext, wf: ChaosWorkflow, trial: StartedTrial, window: TrialWindow): Promise<Verdicts> {
  const v: Verdicts = { traffic: [], 'single-apply': [], flags: [], lock: [], outcome: [], audit: [], secrets: [] };

  for (const service of wf.services) {
    const got = await readTraffic(ctx, service);
    const want = trial.expected.traffic[service]!;
    if (!allocationsEqual(got, want)) v.traffic.push(`${service}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }

  const applied = appliedUpdates(ctx, wf, trial.startedMs);
  for (const [service, calls] of Object.entries(applied)) {
    const etags = calls.map((c) => c.etag ?? '');
    if (etags.some((e) => !e)) v['single-apply'].push(`${service}: an update without an etag was applied`);
    if (new Set(etags).size !== etags.length) v['single-apply'].push(`${service}: two updates applied on the same etag`);
    const most = window.baselineUpdates?.[service];
    if (most !== undefined && calls.length > most) v['single-apply'].push(`${service}: ${calls.length} updates applied, an undisturbed run applies ${most}`);
  }

  const flags = ctx.sandbox.rollout.flags.flags();
  for (const [cohort, enabled] of Object.entries(trial.expected.flags)) {
    if (flags[cohort] !== enabled) v.flags.push(`cohort ${cohort} is ${flags[cohort] ?? 'unset'}, expected ${enabled}`);
  }

  const described = await trial.handle.describe();
  if (!wf.closesAs.includes(described.status.name)) v.outcome.push(`closed ${described.status.name}, expected ${wf.closesAs.join(' or ')}`);
  v.outcome.push(...(await trial.checkOutcome().catch((err: Error) => [`no result: ${err.message}`])));
  v.audit.push(...(await trial.checkAudit().catch((err: Error) => [`no result: ${err.message}`])));

  const lockId = trafficLockWorkflowId(wf.environment, wf.group);
  const lastUpdate = Math.max(0, ...Object.values(applied).flat().map((c) => c.atMs));
  // A run that never reached its traffic change (a gate whose earlier drills failed) never took the lock.
  const lock = await ctx.temporal.workflow
    .getHandle(lockId)
    .describe()
    .catch((err: Error) => {
      if (err.name !== 'WorkflowNotFoundError') throw err;
      if (lastUpdate > 0) v.lock.push(`traffic changed, but no lock workflow ${lockId} exists`);
      return undefined;
    });
  if (lock?.status.name === 'RUNNING') v.lock.push(`${lockId} still running`);
  if (lock?.closeTime && lock.closeTime.getTime() < lastUpdate) v.lock.push(`${lockId} closed at ${lock.closeTime.toISOString()}, before the last traffic update at ${new Date(lastUpdate).toISOString()}`);
  const executions = await executionsSince(ctx.temporal, trial.startedMs);
  for (const e of executions.filter((x) => x.status.name === 'RUNNING')) v.lock.push(`${e.workflowId} (${e.type}) still running`);

  const secrets = [ctx.sandbox.convexAdminKeyFile, ctx.sandbox.convexScratchAdminKeyFile].map((f) => fs.readFileSync(f, 'utf8').trim());
  for (const e of executions) {
    const history = await ctx.temporal.workflow.getHandle(e.workflowId, e.runId).fetchHistory();
    const text = historyText(history).join('\n');
    if (secrets.some((s) => text.includes(s))) v.secrets.push(`an admin key appears in the history of ${e.workflowId}`);
  }
  return v;
}

