import assert from 'node:assert/strict';
import type { ReplayDrillResult } from '../../src/contracts/replay';
import { DEFAULT_MIGRATION_WINDOW_MS } from '../../src/sandbox/cloud-run/sandbox';
import { SANDBOX_ENVIRONMENT } from '../../src/sandbox/sandbox';
import type { DrillClient } from '../../src/client';
import { startStack, type Stack } from '../support/stack';
import { alive, processesMatching, sleep, stackClient } from './stack-client';

const BACKEND = 'oa-convex-backend-sandbox';
const DASHBOARD = 'oa-convex-dashboard-sandbox';

/*
 * Fault matrix, data plane and runtime: a reproject that hangs (the runtime's projection sink never
 * returns) is killed with its process group at replay.commandTimeoutSeconds; probes that time out on
 * the rollback target fail the drill at its switch deadline, naming the timeout, with the original
 * traffic restored exactly.
 */
describe('fault matrix: a hung reproject and probe timeouts (sandbox runtime and Cloud Run, real dev server)', function () {
  this.timeout(300_000);
  let stack: Stack;
  let client: DrillClient;
  before(async () => {
    stack = await startStack('faults-runtime');
    stack.sandbox.cloudRun.setPropagationDelay(100);
    client = await stackClient(stack);
  });
  after(() => stack?.stop());
  afterEach(() => stack.sandbox.faults.clear());

  const env = () => stack.workerConfig.environments[SANDBOX_ENVIRONMENT]!;

  it('a reproject that hangs is killed with its process group at replay.commandTimeoutSeconds, and the drill names it', async () => {
    const replay = env().replay!;
    const timeout = replay.commandTimeoutSeconds;
    replay.commandTimeoutSeconds = 20;
    // Every reproject wedges in its sink call and never exits on its own.
    stack.sandbox.faults.inject('runtime-sink', { mode: 'hang', commands: ['reproject'] });
    const seen = new Map<number, string>();
    let watching = true;
    const watch = (async () => {
      while (watching) {
        for (const [pid, cmd] of processesMatching('sandbox-runtime', ' reproject ')) seen.set(pid, cmd);
        await sleep(50);
      }
    })();
    try {
      const run = await client.startReplay({ environment: SANDBOX_ENVIRONMENT });
      const result: ReplayDrillResult = await run.result().finally(() => (watching = false));
      await watch;
      assert.equal(result.verdict, 'FAIL');
      assert.ok(
        result.failures.some((f) => /reproject of \w+ \S+: `.*reproject.*` ran longer than 20 s and was killed; check the runtime \(a slow projection sink\?\) or raise replay\.commandTimeoutSeconds/.test(f)),
        result.failures.join('\n'),
      );
      assert.ok(seen.size > 0, 'no reproject ever ran');
      for (const [pid, cmd] of seen) assert.equal(alive(pid), false, `still running after its timeout: ${pid} ${cmd}`);
    } finally {
      watching = false;
      replay.commandTimeoutSeconds = timeout;
    }
  });

  it('probes that time out on the rollback target: the drill fails at its switch deadline naming the timeout, and traffic is restored exactly', async () => {
    const rollback = env().rollback;
    const saved = { ...rollback };
    // Requests time out after max(1 s, 5 probe intervals); the target answers after 5 s.
    Object.assign(rollback, { probeIntervalMs: 200, switchTimeoutSeconds: 6 });
    try {
      const plan = await (await client.startRollback({ environment: SANDBOX_ENVIRONMENT, group: 'convex', mode: 'dry-run', targets: {}, requestedBy: 'ada' })).result();
      const target = plan.services.find((s) => s.service === BACKEND)!.target;
      const before: Record<string, unknown> = { [BACKEND]: stack.sandbox.cloudRun.view(BACKEND).traffic, [DASHBOARD]: stack.sandbox.cloudRun.view(DASHBOARD).traffic };
      stack.sandbox.cloudRun.setRevisionFault(BACKEND, target, { kind: 'slow', delayMs: 5000 });
      // Cloud Run moves requests over gradually; with no revision identity, healthy answers of the
      // old revision during that window would count. Switch at once, so every answer is the target's.
      stack.sandbox.cloudRun.setMigrationWindow(0);

      const run = await client.startRollback({ environment: SANDBOX_ENVIRONMENT, group: 'convex', mode: 'apply', targets: {}, requestedBy: 'ada' });
      // A FAIL is a result: the client reads it from the workflow's failure.
      const result = await run.result();
      assert.equal(result.verdict, 'FAIL', 'the drill should fail when the target never answers in time');
      assert.equal(result.trafficRestored, true);
      assert.equal(result.conclusion?.restored, true);
      const text = [result.conclusion?.summary, ...(result.conclusion?.causes ?? []).map((c) => c.message)].join('\n');
      assert.match(text, new RegExp(`service ${BACKEND}: \\S+ never gave 3 consecutive healthy answers before the deadline \\(\\d+ answers; last request failed: no whole answer within \\d+ ms\\)`), text);
      for (const s of [BACKEND, DASHBOARD]) assert.deepEqual(stack.sandbox.cloudRun.view(s).traffic, before[s], s);
    } finally {
      Object.assign(rollback, saved);
      stack.sandbox.cloudRun.setRevisionFault(BACKEND, '*', null);
      stack.sandbox.cloudRun.setMigrationWindow(DEFAULT_MIGRATION_WINDOW_MS);
    }
  });
});
