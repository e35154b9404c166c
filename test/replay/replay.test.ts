import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { historiesDir } from '../support/histories';
import { workflowBundle } from '../support/worker';

// Every committed history must replay against today's workflow code: a change that would break
// running workflows fails here, before users see a nondeterminism error.
describe('replay of committed workflow histories', () => {
  const files = fs.existsSync(historiesDir) ? fs.readdirSync(historiesDir).filter((f) => f.endsWith('.json')).sort() : [];

  it('has histories to replay', () => {
    assert.ok(files.length > 0, `no histories in ${historiesDir}`);
  });

  it('replays every history without nondeterminism', async () => {
    const histories = files.map((f) => ({
      workflowId: path.basename(f, '.json'),
      history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(historiesDir, f), 'utf8'))),
    }));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    assert.equal(replayed, files.length);
    assert.deepEqual(failures, []);
  });

  it('keeps zod out of the workflow bundle: a worker evaluates the bundle\'s modules again for every workflow it loads', async () => {
    // With zod inside, a cold replay of a parked rollout cost 44 ms of CPU instead of 30 (bench: parked-rollouts).
    const { code } = await workflowBundle();
    const modules = [...new Set(code.match(/!\*\*\* \S+ \*\*\*!/g) ?? [])];
    assert.ok(modules.some((m) => m.includes('./src/workflows/rollout/workflow.ts')), 'the bundle lists its modules');
    assert.deepEqual(modules.filter((m) => m.includes('/zod/')), []);
  });

  it('detects an unguarded change to a workflow (the check can fail)', async () => {
    const changed = await bundleWorkflowCode({ workflowsPath: require.resolve('./fixtures/health-changed'), logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never });
    const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(historiesDir, 'healthDrill-pass.json'), 'utf8')));
    await assert.rejects(Worker.runReplayHistory({ workflowBundle: changed }, history), DeterminismViolationError);
  });
});
