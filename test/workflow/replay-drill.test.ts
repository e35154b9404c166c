import assert from 'node:assert/strict';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ReplayConfigSchema } from '../../src/domain/config/schema';
import { replayFixtureIds } from '../../src/domain/reproject/fixture-ids';
import type { ReprojectActivities } from '../../src/activities/reproject';
import type { ProjectionSighting } from '../../src/domain/reproject/landing';
import type { ParityOutcome, ProjectionSightingRequest, ReplayDrillInput, ReplayFixtureRequest, ReprojectOutcome, ReprojectRequest, ReplayDrillResult } from '../../src/contracts/replay';
import { replayDrill } from '../../src/workflows/replay';
import { testEnv } from '../support/temporal';
import { createTestWorker, emptyWorkerConfig } from '../support/worker';
import { registerReplay } from '../support/worker-config';
import { finishedRun } from '../../src/contracts/run-conclusion';

const replay = ReplayConfigSchema.parse({
  reprojectRun: ['runtime', 'reproject', '--run-id', '{id}'],
  reprojectWorker: ['runtime', 'reproject', '--worker-id', '{id}'],
  seedFixtures: ['runtime', 'seed', '{runId}', '{workerId}'],
  cleanupFixtures: ['runtime', 'cleanup', '{runId}', '{workerId}'],
  historyRun: ['runtime', 'history', '--run-id', '{id}'],
  historyWorker: ['runtime', 'history', '--worker-id', '{id}'],
  projections: { url: 'http://127.0.0.1:1', adminKey: 'env:NOT_USED_BY_FAKES' },
});
const input: ReplayDrillInput = { environment: 'test', replay };

/** Hand-written fakes of the replay activities, recording every call: workflow logic only. */
function fakeActivities(over: Partial<ReprojectActivities> = {}) {
  const calls: string[] = [];
  const sighted = new Set<string>();
  const defaults: ReprojectActivities = {
    // The seed step's automatic projection before the reprojection, the reprojection's own write after it.
    async sightProjection(req: ProjectionSightingRequest): Promise<ProjectionSighting> {
      const first = !sighted.has(req.entityId);
      sighted.add(req.entityId);
      return { present: true, projectedAt: first ? '2026-01-01T00:00:00.000Z' : new Date().toISOString(), via: 'convex data' };
    },
    async seedReplayFixtures(req: ReplayFixtureRequest) {
      return { runId: req.runId, workerId: req.workerId, commandDurationMs: 5 };
    },
    async reprojectEntity(req: ReprojectRequest): Promise<ReprojectOutcome> {
      return { scope: req.scope, entity: req.entityId, result: 'ok', write: 'applied', durationMs: 63, commandDurationMs: 400, exitCode: 0, startedAtMs: Date.now() };
    },
    async checkProjectionParity(): Promise<ParityOutcome> {
      return { status: 'match', expectedHash: 'h', actualHash: 'h', differences: [] };
    },
    async cleanupReplayFixtures() {
      return { lines: [], commandDurationMs: 5 };
    },
  };
  const label = { seedReplayFixtures: 'seed', reprojectEntity: 'reproject', sightProjection: 'read', checkProjectionParity: 'parity', cleanupReplayFixtures: 'cleanup' } as const;
  const recorded = (name: keyof ReprojectActivities) => async (req: ReplayFixtureRequest & ReprojectRequest) => {
    calls.push(req.scope ? `${label[name]} ${req.scope} ${req.entityId}` : `${label[name]} ${req.runId} ${req.workerId}`);
    const fn = (over[name] ?? defaults[name]) as (r: typeof req) => Promise<unknown>;
    return fn(req);
  };
  const activities = Object.fromEntries((Object.keys(label) as (keyof ReprojectActivities)[]).map((name) => [name, recorded(name)])) as unknown as ReprojectActivities;
  return { calls, activities };
}

describe('replayDrill workflow (real dev server, fake activities)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await testEnv();
  });

  const run = async (activities: object, workflowId = `replay-wf-${Date.now()}-${Math.random().toString(16).slice(2, 8)}`, args: ReplayDrillInput = input) => {
    const taskQueue = `replay-drill-${workflowId}`;
    const config = emptyWorkerConfig();
    const worker = await createTestWorker(env, { activities, taskQueue, config });
    const result = await worker.runUntil(env.client.workflow.start(replayDrill, { args: [registerReplay(config, args)], workflowId, taskQueue }).then((h) => finishedRun<ReplayDrillResult>(h)));
    return { result, workflowId };
  };

  it('seeds ids derived from the workflow, reprojects and checks each scope, cleans up: PASS at level 3', async () => {
    const { calls, activities } = fakeActivities();
    const { result, workflowId } = await run(activities);
    const ids = replayFixtureIds(workflowId);
    assert.equal(result.verdict, 'PASS', result.failures.join('\n'));
    assert.deepEqual(calls, [
      `seed ${ids.runId} ${ids.workerId}`,
      `read run ${ids.runId}`,
      `reproject run ${ids.runId}`,
      `read run ${ids.runId}`,
      `parity run ${ids.runId}`,
      `read codex_worker ${ids.workerId}`,
      `reproject codex_worker ${ids.workerId}`,
      `read codex_worker ${ids.workerId}`,
      `parity codex_worker ${ids.workerId}`,
      `cleanup ${ids.runId} ${ids.workerId}`,
    ]);
    assert.deepEqual([result.level?.allowed, result.level?.proven, result.level?.next], [3, 3, undefined]);
    assert.deepEqual(result.scopes.map((s) => s.projection), ['updated', 'updated']);
    assert.deepEqual(result.scopes.map((s) => [s.scope, s.entity, s.result, s.write, s.durationMs, s.parity]), [
      ['run', ids.runId, 'ok', 'applied', 63, 'match'],
      ['codex_worker', ids.workerId, 'ok', 'applied', 63, 'match'],
    ]);
    assert.deepEqual(result.fixtures, { runId: ids.runId, workerId: ids.workerId, seeded: true, cleanedUp: true });
    assert.deepEqual(result.failures, []);
  });

  it("only seed and reproject commands configured (the real runtime's own): PASS at level 1, naming what level 2 needs", async () => {
    const { calls, activities } = fakeActivities();
    const level1 = ReplayConfigSchema.parse({ seedFixtures: replay.seedFixtures, cleanupFixtures: replay.cleanupFixtures });
    const { result } = await run(activities, undefined, { environment: 'test', replay: level1 });
    assert.equal(result.verdict, 'PASS', result.failures.join('\n'));
    assert.deepEqual(calls.map((c) => c.split(' ')[0]), ['seed', 'reproject', 'reproject', 'cleanup']);
    assert.deepEqual([result.level?.allowed, result.level?.proven], [1, 1]);
    assert.match(result.level?.next ?? '', /level 2 needs replay\.projections/);
    assert.deepEqual(result.scopes.map((s) => [s.projection, s.parity]), [[undefined, 'not-checked'], [undefined, 'not-checked']]);
  });

  it('with a Convex deployment but no history source: PASS at level 2, no parity check, naming what level 3 needs', async () => {
    const { calls, activities } = fakeActivities();
    const level2 = ReplayConfigSchema.parse({ ...replay, historyRun: undefined, historyWorker: undefined });
    const { result } = await run(activities, undefined, { environment: 'test', replay: level2 });
    assert.equal(result.verdict, 'PASS', result.failures.join('\n'));
    assert.ok(!calls.some((c) => c.startsWith('parity')));
    assert.deepEqual([result.level?.allowed, result.level?.proven], [2, 2]);
    assert.match(result.level?.next ?? '', /level 3 needs a history source: replay\.historyRun and replay\.historyWorker/);
    assert.deepEqual(result.scopes.map((s) => s.projection), ['updated', 'updated']);
  });

  it('level 2: a reproject that prints ok but writes nothing leaves the document unchanged: FAIL, level 1 proven', async () => {
    const { activities } = fakeActivities({
      async sightProjection(): Promise<ProjectionSighting> {
        return { present: true, projectedAt: '2026-01-01T00:00:00.000Z', via: 'convex data run_summaries' };
      },
    });
    const level2 = ReplayConfigSchema.parse({ ...replay, historyRun: undefined, historyWorker: undefined });
    const { result } = await run(activities, undefined, { environment: 'test', replay: level2 });
    assert.equal(result.verdict, 'FAIL');
    assert.deepEqual([result.level?.allowed, result.level?.proven], [2, 1]);
    assert.deepEqual(result.scopes.map((s) => s.projection), ['unchanged', 'unchanged']);
    assert.match(result.failures[0]!, /projection of run \S+: unchanged: the document run_summaries\/\S+ still has projected_at 2026-01-01T00:00:00.000Z from before the reprojection/);
  });

  it('level 1: a reproject that reports write=skipped fails the drill', async () => {
    const { activities } = fakeActivities({
      async reprojectEntity(req: ReprojectRequest): Promise<ReprojectOutcome> {
        return { scope: req.scope, entity: req.entityId, result: 'ok', write: 'skipped', durationMs: 3, commandDurationMs: 300, exitCode: 0, startedAtMs: Date.now() };
      },
    });
    const level1 = ReplayConfigSchema.parse({ seedFixtures: replay.seedFixtures, cleanupFixtures: replay.cleanupFixtures });
    const { result } = await run(activities, undefined, { environment: 'test', replay: level1 });
    assert.equal(result.verdict, 'FAIL');
    assert.equal(result.level?.proven, 0);
    assert.match(result.failures[0]!, /reported write=skipped/);
  });

  it('a failed reproject fails the drill with its reason, the other scope still runs, fixtures are cleaned up', async () => {
    const { calls, activities } = fakeActivities({
      async reprojectEntity(req: ReprojectRequest): Promise<ReprojectOutcome> {
        if (req.scope === 'run') {
          throw ApplicationFailure.create({
            type: 'ReprojectFailed', nonRetryable: true,
            message: `reproject of run ${req.entityId} failed (the command exited 0): scope=run entity=${req.entityId} result=error reason=sink_write_failed`,
            details: [{ scope: 'run', entity: req.entityId, reason: 'sink_write_failed', exitCode: 0, durationMs: 12, failureKinds: ['entity-error'] }],
          });
        }
        return { scope: req.scope, entity: req.entityId, result: 'ok', write: 'applied', durationMs: 70, commandDurationMs: 300, exitCode: 0, startedAtMs: Date.now() };
      },
    });
    const { result } = await run(activities);
    assert.equal(result.verdict, 'FAIL');
    const runScope = result.scopes.find((s) => s.scope === 'run')!;
    assert.deepEqual([runScope.result, runScope.reason, runScope.durationMs, runScope.parity, runScope.write], ['error', 'sink_write_failed', 12, 'not-checked', undefined]);
    assert.equal(result.scopes.find((s) => s.scope === 'codex_worker')?.parity, 'match');
    assert.equal(result.failures.length, 1);
    assert.match(result.failures[0]!, /reason=sink_write_failed/);
    assert.equal(calls.filter((c) => c.startsWith('reproject')).length, 2, 'not retried: ReprojectFailed is non-retryable');
    assert.ok(calls[calls.length - 1]!.startsWith('cleanup'));
  });

  it('drift in parity fails the drill and names the fields', async () => {
    const { activities } = fakeActivities({
      async checkProjectionParity(req): Promise<ParityOutcome> {
        return req.scope === 'run'
          ? { status: 'drift', expectedHash: 'a', actualHash: 'b', differences: [{ field: 'status', history: '"succeeded"', convex: '"failed"' }] }
          : { status: 'stale', expectedHash: 'c', actualHash: 'c', differences: [], projectedAt: '2026-02-19T15:44:00.000Z' };
      },
    });
    const { result } = await run(activities);
    assert.equal(result.verdict, 'FAIL');
    assert.deepEqual([result.level?.allowed, result.level?.proven], [3, 2], 'levels 1 and 2 hold; parity with history does not');
    assert.deepEqual(result.scopes.map((s) => s.parity), ['drift', 'stale']);
    assert.match(result.failures[0]!, /parity of run .*: drift: 1 field\(s\) differ from history: status \(history "succeeded", Convex "failed"\)\. Next: history is the source of truth/);
    assert.match(result.failures[1]!, /stale: .*projected at 2026-02-19T15:44:00.000Z, before this replay started/);
  });

  it('a failed seed skips the reprojects but still cleans up what may have been seeded', async () => {
    const { calls, activities } = fakeActivities({
      async seedReplayFixtures(): Promise<never> {
        throw ApplicationFailure.create({ type: 'ReplayCommandUnavailable', nonRetryable: true, message: 'seeding replay fixtures: cannot start `mix` (ENOENT)' });
      },
    });
    const { result } = await run(activities);
    assert.equal(result.verdict, 'FAIL');
    assert.equal(result.fixtures.seeded, false);
    assert.ok(result.scopes.every((s) => s.result === 'error' && /seeding failed/.test(s.reason ?? '')));
    assert.deepEqual(calls.filter((c) => !c.startsWith('seed')).map((c) => c.split(' ')[0]), ['cleanup']);
    assert.match(result.failures[0]!, /cannot start `mix`/);
  });

  it('a cleanup that keeps failing is reported loudly, never swallowed', async () => {
    const { activities } = fakeActivities({
      async cleanupReplayFixtures(): Promise<never> {
        throw ApplicationFailure.create({ type: 'FixtureCleanupFailed', nonRetryable: true, message: 'cleanup scope=run result=error reason=sink_remove_failed' });
      },
    });
    const { result } = await run(activities);
    assert.equal(result.verdict, 'FAIL');
    assert.equal(result.fixtures.cleanedUp, false);
    assert.match(result.failures.join('\n'), /CLEANUP FAILED, fixtures .* are still in the runtime: cleanup scope=run result=error reason=sink_remove_failed/);
  });

  it('cancelled mid-reproject: the fixtures are still cleaned up', async () => {
    let cleaned = false;
    const { activities } = fakeActivities({
      async reprojectEntity(): Promise<never> {
        const ctx = Context.current();
        for (let i = 0; i < 200 && !ctx.cancellationSignal.aborted; i++) {
          ctx.heartbeat();
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new CancelledFailure('cancelled');
      },
      async cleanupReplayFixtures(req: ReplayFixtureRequest) {
        cleaned = true;
        return { lines: [`cleanup ${req.runId}`], commandDurationMs: 1 };
      },
    });
    const workflowId = `replay-cancel-${Date.now()}`;
    const taskQueue = `replay-drill-${workflowId}`;
    const config = emptyWorkerConfig();
    const worker = await createTestWorker(env, { activities, taskQueue, config });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(replayDrill, { args: [registerReplay(config, input)], workflowId, taskQueue });
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const history = await handle.fetchHistory();
        if (history.events?.some((e) => e.activityTaskStartedEventAttributes)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await handle.cancel();
      await assert.rejects(handle.result(), (err: unknown) => err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure);
    });
    assert.equal(cleaned, true);
  });

  it('refuses to start without the commands it needs, naming the config fields', async () => {
    const workflowId = `replay-invalid-${Date.now()}`;
    const taskQueue = `replay-drill-${workflowId}`;
    const config = emptyWorkerConfig();
    const worker = await createTestWorker(env, { activities: fakeActivities().activities, taskQueue, config });
    const incomplete = ReplayConfigSchema.parse({ seedFixtures: ['x'] });
    await worker.runUntil(async () => {
      await assert.rejects(
        env.client.workflow.execute(replayDrill, { args: [registerReplay(config, { environment: 'test', replay: incomplete })], workflowId, taskQueue }),
        (err: unknown) => err instanceof WorkflowFailedError && /replay\.cleanupFixtures is required by the replay drill/.test(err.cause?.message ?? ''),
      );
    });
  });
});
