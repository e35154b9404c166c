import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import { createReprojectActivities } from '../../src/activities/reproject';
import { ReplayConfigSchema } from '../../src/domain/config/schema';
import type { ReplayDrillResult } from '../../src/contracts/replay';
import { replayDrill } from '../../src/workflows/replay';
import { testEnv } from '../support/temporal';
import { createTestWorker, emptyWorkerConfig, tempDir } from '../support/worker';
import { registerReplay } from '../support/worker-config';
import { finishedRun } from '../../src/contracts/run-conclusion';

// The admin key the worker holds, which the runtime (holding its own copy) may print in a log line.
const WORKER_KEY = `worker-held|${'ab'.repeat(20)}`;

/**
 * A reproject command that exits 0 after printing what `case` says, the way a runtime behind a
 * logger may: Elixir's console format on stderr, logfmt, or the task's own bare lines.
 */
const RUNTIME = `
const [kind, flag, id] = process.argv.slice(2);
const scope = flag === '--run-id' ? 'run' : 'codex_worker';
const ok = 'reproject scope=' + scope + ' entity=' + id + ' result=ok write=applied duration_ms=7';
const out = (l) => process.stdout.write(l + '\\n');
const err = (l) => process.stderr.write(l + '\\n');
out('Compiling 3 files (.ex)');
err('12:00:00.101 [info] Running OpenAgentsRuntime.Repo migrations');
err('12:00:00.102 [error] Postgrex.Protocol (#PID<0.412.0>) disconnected: tcp recv: closed');
switch (kind) {
  case 'logger-prefixed-result-error': err('12:00:00.123 [error] reproject scope=' + scope + ' entity=' + id + ' result=error reason=sink_write_failed duration_ms=12'); break;
  case 'logger-prefixed-error-line': out(ok); err('12:00:00.124 [error] Reprojection of ' + id + ' crashed: Convex refused admin key ${WORKER_KEY}'); break;
  case 'logfmt-result-error': err('time=2026-01-01T12:00:00Z level=error msg=reproject scope=' + scope + ' entity=' + id + ' result=error reason=timeout duration_ms=5000'); break;
  case 'bare-result-error': out(ok); err('result=error'); break;
  case 'wrong-entity': out('reproject scope=' + scope + ' entity=someone_elses_' + scope + ' result=ok write=applied duration_ms=3'); break;
  case 'no-result-line': break;
  case 'ok-behind-a-logger': err('12:00:00.125 [info] ' + ok); break;
}
`;

describe('replay drill: strict reproject result lines (real worker, exit-0 commands)', function () {
  this.timeout(180_000);
  let env: TestWorkflowEnvironment;
  let dir: string;
  let runtime: string;

  before(async () => {
    env = await testEnv();
    dir = tempDir('result-lines');
    runtime = path.join(dir, 'runtime.js');
    fs.writeFileSync(runtime, RUNTIME);
    process.env.CONVEX_ADMIN_KEY = WORKER_KEY;
  });
  after(() => {
    delete process.env.CONVEX_ADMIN_KEY;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function replayFor(kind: string) {
    const reproject = (flag: string): string[] => [process.execPath, runtime, kind, flag, '{id}'];
    const noop = [process.execPath, '-e', ''];
    return ReplayConfigSchema.parse({
      reprojectRun: reproject('--run-id'),
      reprojectWorker: reproject('--worker-id'),
      seedFixtures: [...noop, '{runId}', '{workerId}'],
      cleanupFixtures: [...noop, '{runId}', '{workerId}'],
      // Level 1: what is under test is the reproject lines, not a read-back from Convex.
      commandTimeoutSeconds: 30,
    });
  }

  async function drill(kind: string): Promise<ReplayDrillResult> {
    const taskQueue = `result-lines-${kind}-${Date.now()}`;
    const config = emptyWorkerConfig();
    const request = registerReplay(config, { environment: 'test', replay: replayFor(kind) });
    const worker = await createTestWorker(env, { activities: createActivities({ dataDir: dir, config }), taskQueue, config });
    return worker.runUntil(env.client.workflow.start(replayDrill, { args: [request], workflowId: taskQueue, taskQueue }).then((h) => finishedRun<ReplayDrillResult>(h)));
  }

  const cases: [string, RegExp][] = [
    ['logger-prefixed-result-error', /result=error reason=sink_write_failed: "12:00:00\.123 \[error\] reproject scope=run entity=\S+ result=error reason=sink_write_failed duration_ms=12"/],
    ['logger-prefixed-error-line', /logged an error on stderr: "12:00:00\.124 \[error\] Reprojection of \S+ crashed: Convex refused admin key \[redacted\]"/],
    ['logfmt-result-error', /result=error reason=timeout: "time=\S+ level=error msg=reproject scope=run/],
    ['bare-result-error', /unreadable reproject line on stderr \(result= without scope= and entity= before it\): "result=error"/],
    ['wrong-entity', /reported scope=run entity=someone_elses_run, which it was not asked to reproject: "reproject scope=run entity=someone_elses_run result=ok write=applied duration_ms=3"/],
    ['no-result-line', /no reproject line for scope=run entity=\S+.*; output: .*Compiling 3 files/],
  ];
  for (const [kind, quoted] of cases) {
    it(`fails on ${kind.replace(/-/g, ' ')}, quoting the line`, async () => {
      const result = await drill(kind);
      assert.equal(result.verdict, 'FAIL', JSON.stringify(result));
      assert.deepEqual(result.scopes.map((s) => s.result), ['error', 'error']);
      const failures = result.failures.join('\n');
      assert.match(failures, quoted);
      assert.ok(!failures.includes(WORKER_KEY), 'the key the runtime printed is redacted');
      // An unrelated error from another part of the runtime is noise (context in the output tail), never a reason.
      assert.doesNotMatch(failures, /logged an error on stderr: "[^"]*Postgrex/);
    });
  }

  it('passes a success line behind a logger prefix among unrelated error noise', async () => {
    const { reprojectEntity } = createReprojectActivities();
    const out = await reprojectEntity({ replay: replayFor('ok-behind-a-logger'), scope: 'run', entityId: 'drill_run_1' });
    assert.deepEqual([out.result, out.write, out.durationMs], ['ok', 'applied', 7]);
  });
});
