import assert from 'node:assert/strict';
import { testEnv } from '../support/temporal';
import { startStack, type Stack } from '../support/stack';

describe('drillctl schedule (subprocess, real server)', () => {
  let stack: Stack;
  const scheduleId = `health-every-hour-${Date.now()}`;
  before(async () => {
    stack = await startStack('schedule');
  });
  after(() => stack.stop());

  const drillctl = (...args: string[]) => stack.drillctl(args);

  it('creates a schedule, triggers it once, lists it, and deletes it', async () => {
    const created = await drillctl('schedule', 'create', 'health', '--every', '1h', '--id', scheduleId);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`Schedule ${scheduleId} created: health every 1h`));

    const duplicate = await drillctl('schedule', 'create', 'health', '--every', '1h', '--id', scheduleId);
    assert.equal(duplicate.code, 2);
    assert.match(duplicate.stderr, /already exists/);

    assert.equal((await drillctl('schedule', 'trigger', scheduleId)).code, 0);
    const env = await testEnv();
    let completed: string | undefined;
    for (let i = 0; i < 150 && !completed; i++) {
      for await (const wf of env.client.workflow.list({ query: `WorkflowId STARTS_WITH '${scheduleId}' AND ExecutionStatus = 'Completed'` })) completed = wf.workflowId;
      if (!completed) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(completed, 'the triggered run did not complete');
    const result = (await env.client.workflow.getHandle(completed).result()) as { verdict: string };
    assert.equal(result.verdict, 'PASS');

    const listed = await drillctl('--json', 'schedule', 'list');
    assert.equal(listed.code, 0, listed.stderr);
    const mine = (JSON.parse(listed.stdout) as { scheduleId: string; workflowType: string; recentRuns: string[] }[]).find((s) => s.scheduleId === scheduleId);
    assert.equal(mine?.workflowType, 'healthDrill');
    assert.ok(mine.recentRuns.includes(completed));

    assert.equal((await drillctl('schedule', 'delete', scheduleId)).code, 0);
    const gone = await drillctl('schedule', 'pause', scheduleId);
    assert.equal(gone.code, 2);
    assert.match(gone.stderr, /hint: check the schedule id/);
  });

  it('refuses an unknown kind and a malformed interval before calling the server', async () => {
    const kind = await drillctl('schedule', 'create', 'chaos', '--every', '1h');
    assert.equal(kind.code, 2);
    assert.match(kind.stderr, /unknown drill kind "chaos"/);
    const every = await drillctl('schedule', 'create', 'health', '--every', 'daily');
    assert.equal(every.code, 2);
    assert.match(every.stderr, /--every "daily" is not a duration/);
  });
});
