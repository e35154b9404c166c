import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseReprojectOutput } from '../../src/domain/reproject/output';
import { summarizeHistory } from '../../src/domain/reproject/summary';
import { summaryHash } from '../../src/domain/reproject/summary-hash';
import { startRuntimeStandIn, type RuntimeStandIn } from '../../src/sandbox/runtime/stand-in';
import { startContractServer, type ContractServer } from '../support/runtime-projection-contract';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

// The stand-in is exercised as drillctl runs it: a real subprocess in its folder, no shell.
function runRuntime(rt: RuntimeStandIn, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const [node, bin] = rt.commands.reprojectAll;
  return new Promise((resolve, reject) => {
    const child = spawn(node!, [bin!, ...args], { cwd: rt.home, env: { ...process.env, DRILLCTL_FROM_SOURCE: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('runtime stand-in (sandbox-runtime subprocess)', function () {
  this.timeout(120_000);
  let convex: ContractServer;
  let rt: RuntimeStandIn;
  let dir: string;
  const ids = { run: 'g7_drill_run_8130', worker: 'g7_drill_worker_8130' };

  before(async () => {
    convex = await startContractServer();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-stand-in-'));
    rt = await startRuntimeStandIn({ dataDir: dir, convexUrl: convex.url, adminKey: convex.adminKey, historySource: true });
  });
  after(async () => {
    await convex.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    rt.setSinkFault(null);
    convex.failWith(null);
  });

  it('seeds the G7 replay\'s fixtures into durable history and projects them as it goes', async () => {
    const seeded = await runRuntime(rt, ['seed', '--run-id', ids.run, '--worker-id', ids.worker]);
    assert.equal(seeded.code, 0, seeded.stderr);
    assert.match(seeded.stdout, new RegExp(`^RUN_ID=${ids.run}\nWORKER_ID=${ids.worker}\n$`));
    const run = await rt.history('run', ids.run);
    assert.deepEqual(run?.events.map((e) => e.event_type), ['run.started', 'run.delta', 'run.finished']);
    assert.equal(run?.scope === 'run' && run.run.status, 'succeeded');
    const worker = await rt.history('codex_worker', ids.worker);
    assert.deepEqual(worker?.events.map((e) => e.event_type), ['worker.started', 'worker.heartbeat', 'worker.stopped']);
    const doc = convex.tables.get('run_summaries')?.get(ids.run);
    assert.equal(doc?.latest_seq, 3, 'the projection after the last event is in Convex');
    assert.equal(convex.tables.get('codex_worker_summaries')?.get(ids.worker)?.status, 'stopped');
  });

  it('a second seed with the same ids leaves the fixtures as they are', async () => {
    const again = await runRuntime(rt, ['seed', '--run-id', ids.run, '--worker-id', ids.worker]);
    assert.equal(again.code, 0);
    assert.match(again.stderr, /already seeded/);
    assert.equal((await rt.history('run', ids.run))?.events.length, 3);
  });

  it('reprojects a run: drop + replay, write=applied, and the document in Convex matches history', async () => {
    const before = convex.calls.length;
    const out = await runRuntime(rt, ['reproject', '--run-id', ids.run]);
    assert.equal(out.code, 0);
    assert.match(out.stdout, new RegExp(`^reproject scope=run entity=${ids.run} result=ok write=applied duration_ms=\\d+\n$`));
    assert.deepEqual(convex.calls.slice(before), [`drillProjections:upsert run_summaries/${ids.run}`]);
    const history = (await rt.history('run', ids.run))!;
    const doc = convex.tables.get('run_summaries')!.get(ids.run)!;
    assert.equal(summaryHash(doc), summaryHash(summarizeHistory(history, { projectedAt: 'x' })));
  });

  it('reprojects a codex worker', async () => {
    const out = await runRuntime(rt, ['reproject', '--worker-id', ids.worker]);
    assert.match(out.stdout, new RegExp(`^reproject scope=codex_worker entity=${ids.worker} result=ok write=applied duration_ms=\\d+\n$`));
  });

  it('a failing sink: result=error reason=sink_write_failed on stderr, and still exit 0 (as the real task)', async () => {
    convex.failWith(500);
    const out = await runRuntime(rt, ['reproject', '--run-id', ids.run]);
    assert.equal(out.code, 0);
    assert.equal(out.stdout, '');
    assert.match(out.stderr, new RegExp(`reproject scope=run entity=${ids.run} result=error reason=sink_write_failed duration_ms=\\d+`));
    assert.match(out.stderr, /HTTP 500/);
  });

  it('an injected sink fault from the control file fails the same way, only for the commands it names', async () => {
    rt.setSinkFault({ mode: 'fail', commands: ['reproject'] });
    const out = await runRuntime(rt, ['reproject', '--worker-id', ids.worker]);
    assert.match(out.stderr, /result=error reason=sink_write_failed/);
    const history = await runRuntime(rt, ['history', '--run-id', ids.run]);
    assert.equal(history.code, 0);
  });

  it('a noop sink (the runtime\'s NoopSink) says write=applied without reaching Convex', async () => {
    rt.setSinkFault({ mode: 'noop' });
    const before = convex.calls.length;
    const out = await runRuntime(rt, ['reproject', '--run-id', ids.run]);
    assert.match(out.stdout, /result=ok write=applied/);
    assert.equal(convex.calls.length, before);
  });

  it('a slow sink past its timeout fails the write; the env var overrides the control file', async () => {
    const out = await runRuntime(rt, ['reproject', '--run-id', ids.run], { SANDBOX_RUNTIME_SINK_DELAY_MS: '300' });
    assert.match(out.stdout, /result=ok/);
    const slow = await startRuntimeStandIn({ dataDir: path.join(dir, 'slow'), convexUrl: convex.url, adminKey: convex.adminKey, sinkTimeoutMs: 200 });
    slow.setSinkFault({ delayMs: 1000 });
    const seeded = await runRuntime(slow, ['seed', '--run-id', 'r_slow', '--worker-id', 'w_slow']);
    assert.equal(seeded.code, 0, 'projection failures during seeding are ignored, as in the runtime');
    assert.equal(convex.tables.get('run_summaries')?.has('r_slow') ?? false, false);
    const timedOut = await runRuntime(slow, ['reproject', '--run-id', 'r_slow']);
    assert.match(timedOut.stderr, /result=error reason=sink_write_failed/);
    assert.match(timedOut.stderr, /no answer within 200 ms/);
  });

  it('reports a missing entity as result=error reason=run_not_found, exit 0', async () => {
    const out = await runRuntime(rt, ['reproject', '--run-id', 'nope']);
    assert.equal(out.code, 0);
    assert.match(out.stderr, /^reproject scope=run entity=nope result=error reason=run_not_found duration_ms=\d+$/m);
  });

  it('--all prints the summary and one line per entity, exit 0 even when one fails', async () => {
    const out = await runRuntime(rt, ['reproject', '--all']);
    assert.equal(out.code, 0);
    const parsed = parseReprojectOutput(out);
    assert.ok(parsed.summary && parsed.summary.totalEntities >= 2);
    assert.equal(parsed.entries.length, parsed.summary.totalEntities);
    convex.failWith(503);
    const failing = parseReprojectOutput(await runRuntime(rt, ['reproject', '--all']));
    assert.equal(failing.summary?.failedEntities, failing.summary?.totalEntities);
    assert.ok(failing.entries.every((e) => e.result === 'error' && e.reason === 'sink_write_failed'));
  });

  it('raises like Mix without an option', async () => {
    const out = await runRuntime(rt, ['reproject']);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /\*\* \(Mix\) Missing required option/);
  });

  it('offers only the real runtime\'s commands by default: no history command, no history templates', async () => {
    const plain = await startRuntimeStandIn({ dataDir: path.join(dir, 'plain'), convexUrl: convex.url, adminKey: convex.adminKey });
    assert.equal(plain.commands.historyRun, undefined);
    assert.equal(plain.commands.historyWorker, undefined);
    const out = await runRuntime(plain, ['history', '--run-id', ids.run]);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /\*\* \(Mix\) The task "history" could not be found/);
    assert.equal(out.stdout, '');
  });

  it('with the history source on, prints history as JSON, and a not-found error', async () => {
    const out = await runRuntime(rt, ['history', '--worker-id', ids.worker]);
    assert.equal((JSON.parse(out.stdout) as { worker: { adapter: string } }).worker.adapter, 'desktop_bridge');
    const missing = await runRuntime(rt, ['history', '--run-id', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /reason=run_not_found/);
  });

  it('cleanup removes the projections (through the sink) and the history; again is harmless', async () => {
    convex.failWith(500);
    const refused = await runRuntime(rt, ['cleanup', '--run-id', ids.run, '--worker-id', ids.worker]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /cleanup scope=run entity=g7_drill_run_8130 result=error reason=sink_remove_failed/);
    assert.ok(await rt.history('run', ids.run), 'history stays when Convex refused, so cleanup can be retried');
    convex.failWith(null);
    const out = await runRuntime(rt, ['cleanup', '--run-id', ids.run, '--worker-id', ids.worker]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /cleanup scope=run entity=g7_drill_run_8130 result=ok history=removed projection=removed/);
    assert.equal(convex.tables.get('run_summaries')?.has(ids.run), false);
    assert.equal(convex.tables.get('codex_worker_summaries')?.has(ids.worker), false);
    assert.equal(await rt.history('run', ids.run), undefined);
    assert.equal(await rt.history('codex_worker', ids.worker), undefined);
    const again = await runRuntime(rt, ['cleanup', '--run-id', ids.run]);
    assert.match(again.stdout, /history=absent projection=absent/);
  });

  it('serialises concurrent commands on one database', async () => {
    const runs = await Promise.all([1, 2, 3].map((n) => runRuntime(rt, ['seed', '--run-id', `par_run_${n}`, '--worker-id', `par_worker_${n}`])));
    assert.ok(runs.every((r) => r.code === 0));
    for (const n of [1, 2, 3]) assert.equal((await rt.history('run', `par_run_${n}`))?.events.length, 3, `run ${n} survived`);
  });
});
