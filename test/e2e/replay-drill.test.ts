import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { replayFixtureIds } from '../../src/domain/reproject/fixture-ids';
import type { ReplayDrillResult } from '../../src/contracts/replay';
import { replayDrill } from '../../src/workflows/replay';
import { TASK_QUEUE } from '../../src/temporal/task-queue';
import { startStack, type Stack } from '../support/stack';
import { testEnv } from '../support/temporal';
import { finishedRun } from '../../src/contracts/run-conclusion';

type ReplayJson = ReplayDrillResult & { webUiUrl: string };

/**
 * A stack for the replay drill run from the sources (the worker runs in this process and spawns the
 * runtime stand-in), with a caller of the sandbox's Convex functions; one per describe block.
 */
function replayStack(name: string, options: Parameters<typeof startStack>[1] = {}) {
  let stack: Stack | undefined;
  let adminKey = '';
  let fromSource: string | undefined;
  before(async () => {
    fromSource = process.env.DRILLCTL_FROM_SOURCE;
    process.env.DRILLCTL_FROM_SOURCE = '1';
    stack = await startStack(name, options);
    adminKey = fs.readFileSync(stack.sandbox.convexAdminKeyFile, 'utf8').trim();
  });
  after(async () => {
    await stack?.stop();
    if (fromSource === undefined) delete process.env.DRILLCTL_FROM_SOURCE;
    else process.env.DRILLCTL_FROM_SOURCE = fromSource;
  });
  afterEach(() => stack?.sandbox.faults.clear());
  return {
    get stack(): Stack {
      return stack!;
    },
    async convexCall(kind: 'query' | 'mutation', fn: string, args: Record<string, unknown>): Promise<unknown> {
      const res = await fetch(`${stack!.sandbox.convex.url}/api/${kind}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Convex ${adminKey}` },
        body: JSON.stringify({ path: fn, args, format: 'json' }),
      });
      assert.equal(res.status, 200, await res.clone().text());
      return ((await res.json()) as { value: unknown }).value;
    },
  };
}

// The replay drill as a user runs it: drillctl as a subprocess, the real dev server and worker,
// the runtime stand-in as a subprocess writing through its HTTP sink into the Convex stand-in.
describe('drillctl drill replay (subprocess, real server, worker and sandbox)', function () {
  this.timeout(240_000);
  const replay = replayStack('e2e-replay');

  async function assertFixturesGone(runId: string, workerId: string): Promise<void> {
    assert.equal(await replay.convexCall('query', 'drillProjections:get', { table: 'run_summaries', key: runId }), null, 'run projection removed from Convex');
    assert.equal(await replay.convexCall('query', 'drillProjections:get', { table: 'codex_worker_summaries', key: workerId }), null, 'worker projection removed from Convex');
    assert.equal(await replay.stack.sandbox.runtime.history('run', runId), undefined, 'run history removed from the runtime');
    assert.equal(await replay.stack.sandbox.runtime.history('codex_worker', workerId), undefined, 'worker history removed from the runtime');
  }


  it("PASS at level 2 with the real runtime's commands only: fixtures seeded, reprojected, read back from Convex updated, gone afterwards", async () => {
    assert.equal(replay.stack.sandbox.config.environments.sandbox?.replay?.historyRun, undefined, 'the default sandbox offers no history source');
    const mutationsBefore = replay.stack.sandbox.convex.stats().mutations;
    const run = await replay.stack.drillctl(['--json', 'drill', 'replay']);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const out = JSON.parse(run.stdout) as ReplayJson;
    assert.equal(out.verdict, 'PASS');
    assert.deepEqual([out.level?.allowed, out.level?.proven], [2, 2]);
    assert.match(out.level?.next ?? '', /level 3 needs a history source/);
    assert.match(out.workflowId, /^replay-sandbox-/);
    const ids = replayFixtureIds(out.workflowId);
    assert.deepEqual(out.fixtures, { runId: ids.runId, workerId: ids.workerId, seeded: true, cleanedUp: true });
    assert.deepEqual(out.scopes.map((s) => [s.scope, s.entity, s.result, s.write, s.projection, s.parity]), [
      ['run', ids.runId, 'ok', 'applied', 'updated', 'not-checked'],
      ['codex_worker', ids.workerId, 'ok', 'applied', 'updated', 'not-checked'],
    ]);
    for (const s of out.scopes) {
      assert.ok(Number.isInteger(s.durationMs) && s.durationMs! >= 0, 'the runtime\'s duration_ms is reported');
      assert.ok(s.projectedAtBefore && s.projectedAtAfter && s.projectedAtAfter > s.projectedAtBefore, `${s.projectedAtBefore} -> ${s.projectedAtAfter}`);
    }
    // 6 projections while seeding, 2 by the reprojects, 2 removals by the cleanup: all through the runtime's HTTP sink.
    assert.equal(replay.stack.sandbox.convex.stats().mutations - mutationsBefore, 10);
    assert.ok(out.webUiUrl.includes(`/workflows/${out.workflowId}/`));
    await assertFixturesGone(ids.runId, ids.workerId);
  });

  it('prints a human table with the per-scope result, write, time, Convex read-back and the level', async () => {
    const run = await replay.stack.drillctl(['drill', 'replay']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Replay drill on sandbox: PASS at level 2 \(config allows 2\)/);
    assert.match(run.stdout, /^run\s+drillctl_drill_run_[0-9a-f]{16}\s+ok\s+applied\s+\d+ms\s+[\d.]+s\s+updated\s+not-checked/m);
    assert.match(run.stdout, /^codex_worker\s+drillctl_drill_worker_[0-9a-f]{16}\s+ok\s+applied\s+\d+ms\s+[\d.]+s\s+updated\s+not-checked/m);
    assert.match(run.stdout, /Proven: level 1, .*; level 2, the projected documents read back from Convex/);
    assert.match(run.stdout, /Next: level 3 needs a history source/);
    assert.match(run.stdout, /Fixtures: .*: seeded, cleaned up/);
  });

  it('a sink failure fails the drill with the reason although the reproject command exits 0; fixtures still cleaned up', async () => {
    const inject = await fetch(`${replay.stack.sandbox.controlUrl}/faults/runtime-sink`, { method: 'POST', body: JSON.stringify({ commands: ['reproject'] }) });
    assert.equal(inject.status, 200);
    const run = await replay.stack.drillctl(['--json', 'drill', 'replay']);
    assert.equal(run.code, 1, run.stderr);
    const out = JSON.parse(run.stdout) as ReplayJson;
    assert.equal(out.verdict, 'FAIL');
    assert.deepEqual(out.scopes.map((s) => [s.scope, s.result, s.reason, s.write, s.parity]), [
      ['run', 'error', 'sink_write_failed', undefined, 'not-checked'],
      ['codex_worker', 'error', 'sink_write_failed', undefined, 'not-checked'],
    ]);
    assert.equal(out.failures.length, 2);
    assert.match(out.failures[0]!, /reproject of run drillctl_drill_run_\w+ failed \(the command exited 0\): scope=run entity=\w+ result=error reason=sink_write_failed/);
    assert.match(out.failures[0]!, /Next: the runtime could not write the projection to Convex/);
    assert.equal(out.fixtures.cleanedUp, true);
    await assertFixturesGone(out.fixtures.runId, out.fixtures.workerId);
  });

  it("the G7 replay's silent failure (a no-op sink: write=applied, nothing in Convex) is caught by the read-back", async () => {
    await fetch(`${replay.stack.sandbox.controlUrl}/faults/runtime-sink`, { method: 'POST', body: JSON.stringify({ mode: 'noop' }) });
    const run = await replay.stack.drillctl(['drill', 'replay']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /Replay drill on sandbox: FAIL/);
    assert.match(run.stdout, /^run\s+\S+\s+ok\s+applied\s+.*MISSING\s+not-checked\s+no document run_summaries\/\S+ in Convex \(convex data run_summaries\) although the runtime reported a write/m);
    assert.match(run.stdout, /^codex_worker\s+\S+\s+ok\s+applied\s+.*MISSING/m);
    assert.match(run.stdout, /FAIL at level 1 \(config allows 2\)/);
    assert.match(run.stdout, /Next: the runtime's projection sink is not writing to this Convex deployment/);
  });

  it('level 2 catches a reproject that prints ok but writes nothing (the seed wrote, the reproject did not): FAIL', async () => {
    await fetch(`${replay.stack.sandbox.controlUrl}/faults/runtime-sink`, { method: 'POST', body: JSON.stringify({ mode: 'noop', commands: ['reproject'] }) });
    const run = await replay.stack.drillctl(['--json', 'drill', 'replay']);
    assert.equal(run.code, 1, run.stderr);
    const out = JSON.parse(run.stdout) as ReplayJson;
    assert.equal(out.verdict, 'FAIL');
    assert.deepEqual(out.scopes.map((s) => [s.result, s.write, s.projection]), [['ok', 'applied', 'unchanged'], ['ok', 'applied', 'unchanged']]);
    assert.deepEqual([out.level?.allowed, out.level?.proven], [2, 1]);
    assert.match(out.failures[0]!, /projection of run \S+: unchanged: the document run_summaries\/\S+ still has projected_at \S+ from before the reprojection/);
    assert.equal(out.fixtures.cleanedUp, true);
  });

  it('only seed and reproject commands configured: PASS at level 1, the report naming the level and what level 2 needs', async () => {
    // The worker's config is the one that counts: without projections it can prove level 1 only.
    const section = replay.stack.workerConfig.environments.sandbox!.replay!;
    const projections = section.projections;
    delete section.projections;
    try {
      const run = await replay.stack.drillctl(['drill', 'replay']);
      assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
      assert.match(run.stdout, /Replay drill on sandbox: PASS at level 1 \(config allows 1\)/);
      assert.match(run.stdout, /Proven: level 1, fixtures seeded, both reprojections reported result=ok write=applied/);
      assert.match(run.stdout, /Next: level 2 needs replay\.projections/);
    } finally {
      section.projections = projections;
    }
  });

  it('refuses an environment without a usable replay section, exit 2, naming the fields', async () => {
    const bad = path.join(replay.stack.home, 'replay-incomplete.yaml');
    fs.writeFileSync(bad, 'environments:\n  nonprod:\n    production: false\n    replay:\n      seedFixtures: [mix, run, seed.exs]\n      reprojectRun: [mix, runtime.convex.reproject, --run-id, "{runid}"]\n');
    const run = await replay.stack.drillctl(['--config', bad, 'drill', 'replay']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /replay\.cleanupFixtures is required/);
    assert.doesNotMatch(run.stderr, /replay\.projections is required/, 'level 1 needs no Convex deployment');
    assert.match(run.stderr, /replay\.reprojectRun must pass \{id\}/);
    assert.match(run.stderr, /replay\.reprojectRun uses \{runid\}/);
    assert.match(run.stderr, /replay\.seedFixtures must pass \{runId\}/);
    assert.doesNotMatch(run.stderr, /^\s+at /m);
  });
});

// Level 3 needs a history source, which the real runtime lacks: the sandbox turns one on only when asked.
describe('drillctl drill replay at level 3 (sandbox runtime with its history source on)', function () {
  this.timeout(240_000);
  const replay = replayStack('e2e-replay-l3', { runtimeHistory: true });


  it('PASS at level 3: the projections read back from Convex hash like the summaries recomputed from history', async () => {
    const run = await replay.stack.drillctl(['--json', 'drill', 'replay']);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const out = JSON.parse(run.stdout) as ReplayJson;
    assert.equal(out.verdict, 'PASS');
    assert.deepEqual([out.level?.allowed, out.level?.proven, out.level?.next], [3, 3, undefined]);
    assert.deepEqual(out.scopes.map((s) => [s.projection, s.parity]), [['updated', 'match'], ['updated', 'match']]);
    for (const s of out.scopes) {
      assert.match(s.expectedHash ?? '', /^[0-9a-f]{64}$/);
      assert.equal(s.actualHash, s.expectedHash);
    }
  });

  it('drift injected (the runtime writes a status history does not say): FAIL at level 3 naming the field, level 2 proven', async () => {
    await fetch(`${replay.stack.sandbox.controlUrl}/faults/runtime-sink`, { method: 'POST', body: JSON.stringify({ mode: 'drift', commands: ['reproject'] }) });
    const run = await replay.stack.drillctl(['--json', 'drill', 'replay']);
    assert.equal(run.code, 1, run.stderr);
    const out = JSON.parse(run.stdout) as ReplayJson;
    assert.equal(out.verdict, 'FAIL');
    assert.deepEqual([out.level?.allowed, out.level?.proven], [3, 2]);
    assert.deepEqual(out.scopes.map((s) => [s.projection, s.parity]), [['updated', 'drift'], ['updated', 'drift']]);
    assert.deepEqual(out.scopes[0]!.differences, [{ field: 'status', history: '"succeeded"', convex: '"drifted"' }]);
    assert.match(out.failures[0]!, /parity of run \S+: drift: 1 field\(s\) differ from history: status \(history "succeeded", Convex "drifted"\)/);
    assert.equal(out.fixtures.cleanedUp, true);
  });

  it('drift injected: a projection edited behind the runtime\'s back fails level 3, naming the field', async () => {
    // The drill's fixture ids derive from its workflow id, so the edit can be made before it starts:
    // someone "corrects" the read model by hand, and the runtime's writes do not land (NoopSink).
    const workflowId = `replay-sandbox-drift-${Date.now()}`;
    const ids = replayFixtureIds(workflowId);
    await replay.convexCall('mutation', 'drillProjections:upsert', {
      table: 'run_summaries', key: ids.runId,
      doc: { document_id: `runtime/run_summary:${ids.runId}`, kind: 'run_summary', run_id: ids.runId, status: 'failed', latest_seq: 3, projection_version: 'convex_summary_v1', projected_at: new Date().toISOString() },
    });
    await fetch(`${replay.stack.sandbox.controlUrl}/faults/runtime-sink`, { method: 'POST', body: JSON.stringify({ mode: 'noop' }) });
    const env = await testEnv();
    const result = await finishedRun<ReplayDrillResult>(await env.client.workflow.start(replayDrill, { args: [{ environment: 'sandbox' }], workflowId, taskQueue: TASK_QUEUE }));
    assert.equal(result.verdict, 'FAIL');
    assert.equal(result.level?.allowed, 3);
    const runScope = result.scopes.find((s) => s.scope === 'run')!;
    assert.equal(runScope.write, 'applied', 'the runtime claims it wrote');
    assert.equal(runScope.parity, 'drift');
    assert.notEqual(runScope.actualHash, runScope.expectedHash);
    assert.deepEqual(runScope.differences?.find((d) => d.field === 'status'), { field: 'status', history: '"succeeded"', convex: '"failed"' });
    assert.match(result.failures.join('\n'), /parity of run \S+: drift: \d+ field\(s\) differ from history: .*status \(history "succeeded", Convex "failed"\)/);
    assert.equal(result.scopes.find((s) => s.scope === 'codex_worker')?.parity, 'missing');
  });

});
