import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { ReplayConfigSchema, type ReplayConfig } from '../../src/domain/config/schema';
import { createReprojectActivities, ReplayFailureType } from '../../src/activities/reproject';
import { startConvexStandIn, type ConvexStandIn } from '../../src/sandbox/convex/convex-stand-in';
import { startRuntimeStandIn, type RuntimeStandIn } from '../../src/sandbox/runtime/stand-in';

const ADMIN_KEY = 'sandbox-admin-key-0123456789abcdef';

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, `expected ApplicationFailure, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the activity to fail');
}

async function convexMutation(convex: ConvexStandIn, fn: string, args: Record<string, unknown>): Promise<unknown> {
  const res = await fetch(`${convex.url}/api/mutation`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Convex ${ADMIN_KEY}` },
    body: JSON.stringify({ path: fn, args, format: 'json' }),
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { value: unknown }).value;
}

// The adapters against the sandbox as a user's worker would run them: the runtime stand-in as a
// subprocess, its sink and the parity read-back over HTTP against the Convex stand-in.
describe('reproject activities (runtime and Convex stand-ins)', function () {
  this.timeout(120_000);
  let dir: string;
  let convex: ConvexStandIn;
  let runtime: RuntimeStandIn;
  let replay: ReplayConfig;
  const activities = createReprojectActivities();
  const ids = { runId: 'act_drill_run_1', workerId: 'act_drill_worker_1' };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reproject-activities-'));
    process.env.REPLAY_TEST_ADMIN_KEY = ADMIN_KEY;
    process.env.DRILLCTL_FROM_SOURCE = '1';
    convex = await startConvexStandIn({ dataDir: path.join(dir, 'convex'), adminKey: ADMIN_KEY });
    runtime = await startRuntimeStandIn({ dataDir: path.join(dir, 'runtime'), convexUrl: convex.url, adminKey: ADMIN_KEY, historySource: true });
    const { cwd, env, reprojectRun, reprojectWorker, seedFixtures, cleanupFixtures, historyRun, historyWorker } = runtime.commands;
    replay = ReplayConfigSchema.parse({
      cwd, env, reprojectRun, reprojectWorker, seedFixtures, cleanupFixtures, historyRun, historyWorker,
      projections: { url: convex.url, adminKey: 'env:REPLAY_TEST_ADMIN_KEY' },
      clockSkewToleranceMs: 0,
      commandTimeoutSeconds: 60,
    });
  });
  after(async () => {
    await convex.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    runtime.setSinkFault(null);
    convex.clearFaults();
  });

  it('seeds, reprojects both scopes, and the live projections match history', async () => {
    const seeded = await activities.seedReplayFixtures({ replay, ...ids });
    assert.equal(seeded.runId, ids.runId);
    for (const [scope, entityId] of [['run', ids.runId], ['codex_worker', ids.workerId]] as const) {
      const out = await activities.reprojectEntity({ replay, scope, entityId });
      assert.equal(out.result, 'ok');
      assert.equal(out.write, 'applied');
      const parity = await activities.checkProjectionParity({ replay, scope, entityId, notBeforeMs: out.startedAtMs });
      assert.equal(parity.status, 'match', JSON.stringify(parity));
      assert.deepEqual(parity.differences, []);
    }
  });

  it('level 2 reads the projection back with the real `convex data` command, or with a configured query', async () => {
    await activities.seedReplayFixtures({ replay, ...ids });
    const before = await activities.sightProjection({ replay, scope: 'run', entityId: ids.runId });
    assert.equal(before.present, true, 'the seed projects as it goes');
    assert.equal(before.via, 'convex data run_summaries');
    const out = await activities.reprojectEntity({ replay, scope: 'run', entityId: ids.runId });
    const after = await activities.sightProjection({ replay, scope: 'run', entityId: ids.runId });
    assert.ok(Date.parse(after.projectedAt!) >= out.startedAtMs, `${after.projectedAt} is from the reprojection`);
    assert.notEqual(after.projectedAt, before.projectedAt);
    const viaQuery = await activities.sightProjection({ replay: { ...replay, projectionQuery: 'drillProjections:get' }, scope: 'run', entityId: ids.runId });
    assert.deepEqual(viaQuery, { ...after, via: 'query drillProjections:get' });
    const absent = await activities.sightProjection({ replay, scope: 'codex_worker', entityId: 'no_such_worker' });
    assert.deepEqual(absent, { present: false, via: 'convex data codex_worker_summaries' });
  });

  it('a failing sink fails the reproject with the reason, although the command exited 0', async () => {
    convex.failMutations('projection table is read-only');
    const failure = await failureOf(activities.reprojectEntity({ replay, scope: 'run', entityId: ids.runId }));
    assert.equal(failure.type, ReplayFailureType.reprojectFailed);
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /reason=sink_write_failed/);
    assert.match(failure.message, /the command exited 0/);
    assert.match(failure.message, /Next: the runtime could not write the projection to Convex/);
    assert.match(failure.message, /runtime log: .*HTTP 500 projection table is read-only/);
    const details = failure.details?.[0] as { reason: string; exitCode: number };
    assert.equal(details.reason, 'sink_write_failed');
    assert.equal(details.exitCode, 0);
  });

  it('detects a projection edited behind the runtime\'s back', async () => {
    const out = await activities.reprojectEntity({ replay, scope: 'run', entityId: ids.runId });
    // Someone "fixes" the read model by hand instead of replaying history.
    const live = (await convexMutation(convex, 'drillProjections:upsert', { table: 'run_summaries', key: ids.runId, doc: { kind: 'run_summary', run_id: ids.runId, status: 'failed' } })) as null;
    assert.equal(live, null);
    const parity = await activities.checkProjectionParity({ replay, scope: 'run', entityId: ids.runId, notBeforeMs: out.startedAtMs });
    assert.equal(parity.status, 'drift');
    assert.notEqual(parity.actualHash, parity.expectedHash);
    assert.ok(parity.differences.some((d) => d.field === 'status' && d.history === '"succeeded"' && d.convex === '"failed"'), JSON.stringify(parity.differences));
  });

  it('detects a single edited field in an otherwise correct projection', async () => {
    const out = await activities.reprojectEntity({ replay, scope: 'codex_worker', entityId: ids.workerId });
    const res = await fetch(`${convex.url}/api/query`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Convex ${ADMIN_KEY}` },
      body: JSON.stringify({ path: 'drillProjections:get', args: { table: 'codex_worker_summaries', key: ids.workerId }, format: 'json' }),
    });
    const doc = ((await res.json()) as { value: Record<string, unknown> }).value;
    delete doc.key;
    await convexMutation(convex, 'drillProjections:upsert', { table: 'codex_worker_summaries', key: ids.workerId, doc: { ...doc, event_count: 2 } });
    const parity = await activities.checkProjectionParity({ replay, scope: 'codex_worker', entityId: ids.workerId, notBeforeMs: out.startedAtMs });
    assert.equal(parity.status, 'drift');
    assert.deepEqual(parity.differences.map((d) => d.field), ['event_count']);
  });

  it('a noop sink (write=applied, nothing reached Convex) leaves a stale or missing projection, and parity says so', async () => {
    await activities.reprojectEntity({ replay, scope: 'run', entityId: ids.runId });
    runtime.setSinkFault({ mode: 'noop', commands: ['reproject'] });
    await new Promise((r) => setTimeout(r, 20));
    const out = await activities.reprojectEntity({ replay, scope: 'run', entityId: ids.runId });
    assert.equal(out.write, 'applied', 'the runtime claims a write');
    const stale = await activities.checkProjectionParity({ replay, scope: 'run', entityId: ids.runId, notBeforeMs: out.startedAtMs });
    assert.equal(stale.status, 'stale');
    await convexMutation(convex, 'drillProjections:remove', { table: 'run_summaries', key: ids.runId });
    const missing = await activities.checkProjectionParity({ replay, scope: 'run', entityId: ids.runId, notBeforeMs: out.startedAtMs });
    assert.equal(missing.status, 'missing');
  });

  it('fails on a line for another entity than the one asked for', async () => {
    const wrong = { ...replay, reprojectRun: [...runtime.commands.reprojectRun.slice(0, -1), 'someone_elses_run'] };
    const failure = await failureOf(activities.reprojectEntity({ replay: wrong, scope: 'run', entityId: ids.runId }));
    assert.equal(failure.type, ReplayFailureType.reprojectFailed);
    assert.deepEqual((failure.details?.[0] as { failureKinds: string[] }).failureKinds.sort(), ['missing-line', 'unexpected-entity']);
    assert.match(failure.message, /not asked to reproject/);
  });

  it('fails on a command that prints nothing the parser recognises', async () => {
    const silent = { ...replay, reprojectWorker: [process.execPath, '-e', 'console.log("Compiling 2 files (.ex)")', '{id}'] };
    const failure = await failureOf(activities.reprojectEntity({ replay: silent, scope: 'codex_worker', entityId: ids.workerId }));
    assert.match(failure.message, /no reproject line for scope=codex_worker/);
    assert.match(failure.message, /output: Compiling 2 files/);
  });

  it('runs commands with the stated replay.env and no shell: an id is one argument, never code', async () => {
    const script = "const [entity] = process.argv.slice(1); const ok = process.env.MIX_ENV === 'drill'; console.log('reproject scope=run entity=' + entity + (ok ? ' result=ok write=applied' : ' result=error reason=wrong_env') + ' duration_ms=1')";
    const stated = { ...replay, env: { MIX_ENV: 'drill' }, reprojectRun: [process.execPath, '-e', script, '{id}'] };
    const out = await activities.reprojectEntity({ replay: stated, scope: 'run', entityId: 'r_ok' });
    assert.equal(out.write, 'applied');
    const failure = await failureOf(activities.reprojectEntity({ replay: { ...stated, env: {} }, scope: 'run', entityId: 'r1' }));
    assert.match(failure.message, /reason=wrong_env/);
    const injected = await failureOf(activities.reprojectEntity({ replay: stated, scope: 'run', entityId: 'r1; rm -rf /' }));
    assert.equal(injected.type, ReplayFailureType.configIncomplete);
    assert.match(injected.message, /not a safe argument/);
  });

  it("a runtime command never sees the worker's CONVEX_ADMIN_KEY or TEMPORAL_API_KEY: only the basics and replay.env", async () => {
    const envDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reproject-env-'));
    // Prints its environment to a file, then reports success as the reproject task does.
    const script = "const [file, entity] = process.argv.slice(1); require('fs').writeFileSync(file, JSON.stringify(process.env)); console.log('reproject scope=run entity=' + entity + ' result=ok write=applied duration_ms=1')";
    const saved = { convex: process.env.CONVEX_ADMIN_KEY, temporal: process.env.TEMPORAL_API_KEY };
    process.env.CONVEX_ADMIN_KEY = 'worker-convex-admin-key-0123456789';
    process.env.TEMPORAL_API_KEY = 'worker-temporal-api-key-0123456789';
    try {
      const seen = (name: string): Record<string, string> => JSON.parse(fs.readFileSync(path.join(envDir, name), 'utf8')) as Record<string, string>;
      const stated = { ...replay, env: { MIX_ENV: 'drill' }, reprojectRun: [process.execPath, '-e', script, path.join(envDir, 'reproject.json'), '{id}'], seedFixtures: [process.execPath, '-e', script, path.join(envDir, 'seed.json'), '{runId}', '{workerId}'] };
      await activities.reprojectEntity({ replay: stated, scope: 'run', entityId: 'r_env' });
      await activities.seedReplayFixtures({ replay: stated, runId: 'r_env', workerId: 'w_env' });
      for (const name of ['reproject.json', 'seed.json']) {
        const env = seen(name);
        assert.equal(env.CONVEX_ADMIN_KEY, undefined, `${name}: CONVEX_ADMIN_KEY leaked`);
        assert.equal(env.TEMPORAL_API_KEY, undefined, `${name}: TEMPORAL_API_KEY leaked`);
        assert.equal(env.REPLAY_TEST_ADMIN_KEY, undefined, `${name}: the projections key leaked`);
        assert.ok(!JSON.stringify(env).includes('0123456789'), `${name}: a worker secret's value leaked`);
        assert.equal(env.MIX_ENV, 'drill', 'replay.env is passed');
        assert.equal(env.PATH, process.env.PATH, 'PATH is passed');
      }
    } finally {
      for (const [name, value] of [['CONVEX_ADMIN_KEY', saved.convex], ['TEMPORAL_API_KEY', saved.temporal]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      fs.rmSync(envDir, { recursive: true, force: true });
    }
  });

  it('names a missing binary and a slow runtime past the command timeout', async () => {
    const missing = await failureOf(activities.reprojectEntity({ replay: { ...replay, reprojectRun: ['no-such-mix-binary', '{id}'] }, scope: 'run', entityId: ids.runId }));
    assert.equal(missing.type, ReplayFailureType.commandUnavailable);
    assert.match(missing.message, /cannot start `no-such-mix-binary`.*ENOENT/);
    runtime.setSinkFault({ delayMs: 2000, commands: ['reproject'] });
    const slow = await failureOf(activities.reprojectEntity({ replay: { ...replay, commandTimeoutSeconds: 1 }, scope: 'run', entityId: ids.runId }));
    assert.equal(slow.type, ReplayFailureType.commandTimedOut);
    assert.match(slow.message, /ran longer than 1 s and was killed/);
  });

  it('refuses a seed command that seeds other ids than the drill asked for', async () => {
    const failure = await failureOf(activities.seedReplayFixtures({ replay: { ...replay, seedFixtures: runtime.commands.seedFixtures.slice(0, 3) }, ...ids }));
    assert.equal(failure.type, ReplayFailureType.fixtureSeedFailed);
    assert.match(failure.message, /printed RUN_ID=g7_drill_run_\d+ but the drill asked for act_drill_run_1/);
  });

  it('reports a refused admin key by its reference, never the key', async () => {
    process.env.REPLAY_TEST_WRONG_KEY = 'not-the-admin-key';
    const failure = await failureOf(activities.checkProjectionParity({ replay: { ...replay, projections: { url: convex.url, adminKey: 'env:REPLAY_TEST_WRONG_KEY' } }, scope: 'run', entityId: ids.runId }));
    assert.equal(failure.type, ReplayFailureType.projectionReadRefused);
    assert.match(failure.message, /refused the admin key from env:REPLAY_TEST_WRONG_KEY/);
    assert.doesNotMatch(failure.message, /not-the-admin-key/);
  });

  it('cleans up history and projections; the history is gone afterwards', async () => {
    await activities.reprojectEntity({ replay, scope: 'run', entityId: ids.runId });
    const cleaned = await activities.cleanupReplayFixtures({ replay, ...ids });
    assert.ok(cleaned.lines.some((l) => l.includes(`entity=${ids.runId} result=ok history=removed`)), cleaned.lines.join('\n'));
    // (the refused seed above left fixtures with ids of its own: only the drill's count here)
    assert.ok(!convex.documentLines('run_summaries').some((l) => l.includes(`"key":"${ids.runId}"`)), 'run projection removed');
    assert.ok(!convex.documentLines('codex_worker_summaries').some((l) => l.includes(`"key":"${ids.workerId}"`)), 'worker projection removed');
    assert.equal(await runtime.history('codex_worker', ids.workerId), undefined);
    const failure = await failureOf(activities.checkProjectionParity({ replay, scope: 'run', entityId: ids.runId }));
    assert.equal(failure.type, ReplayFailureType.historyReadFailed);
    assert.match(failure.message, /run_not_found/);
  });
});
