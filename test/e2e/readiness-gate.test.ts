import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startStack, type Stack } from '../support/stack';
import { testEnv } from '../support/temporal';
import { gateStatusQuery } from '../../src/contracts/readiness-gate';

describe('drillctl gate run + report (subprocess, real server, worker and sandbox)', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack('gate');
  });
  after(() => stack.stop());

  async function runGateAttested(): Promise<{ code: number | null; stdout: string; workflowId: string }> {
    const run = stack.drillctl(['--json', 'gate', 'run', '--as', 'carol']);
    const env = await testEnv();
    let workflowId: string | undefined;
    for (let i = 0; i < 600 && !workflowId; i++) {
      for await (const wf of env.client.workflow.list({ query: `WorkflowType = 'readinessGate' AND ExecutionStatus = 'Running'` })) {
        const status = await env.client.workflow.getHandle(wf.workflowId).query(gateStatusQuery).catch(() => undefined);
        if (status?.attestation.state === 'waiting') workflowId = wf.workflowId;
      }
      if (!workflowId) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(workflowId, 'gate never asked for attestation');
    const attest = await stack.drillctl(['gate', 'attest', workflowId, '--as', 'dave', '--reason', 'runbook reviewed']);
    assert.equal(attest.code, 0, attest.stderr);
    const done = await run;
    return { code: done.code, stdout: done.stdout, workflowId };
  }

  it('passes on the sandbox and `drillctl report` reproduces the written report byte for byte', async () => {
    const { code, stdout, workflowId } = await runGateAttested();
    const out = JSON.parse(stdout) as { result: { verdict: string; criteria: { status: string }[] } };
    assert.equal(code, 0, stdout);
    assert.equal(out.result.verdict, 'PASS');
    assert.deepEqual(out.result.criteria.map((c) => c.status), ['PASS', 'PASS', 'PASS']);
    const first = await stack.drillctl(['report', workflowId]);
    const second = await stack.drillctl(['report', workflowId]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, second.stdout);
    assert.equal(first.stdout, fs.readFileSync(path.join(stack.home, 'reports', `${workflowId}.md`), 'utf8'));
    assert.match(first.stdout, /Measured rollback RTO: \d+\.\d+ seconds/);
    const json = await stack.drillctl(['report', workflowId, '--format', 'json']);
    assert.equal(JSON.parse(json.stdout).verdict, 'PASS');
  });

  it('fails with an injected backup fault, names the criterion, and leaves traffic as it was', async () => {
    stack.sandbox.faults.inject('convex-import', {});
    try {
      const { code, stdout, workflowId } = await runGateAttested();
      assert.equal(code, 1);
      const out = JSON.parse(stdout) as { result: { verdict: string; criteria: { id: string; status: string; detail: string }[]; steps: { drill: string; status: string }[] } };
      assert.equal(out.result.verdict, 'FAIL');
      const drills = out.result.criteria.find((c) => c.id === 'drills-succeeded')!;
      assert.equal(drills.status, 'FAIL');
      assert.match(drills.detail, /backup\/restore failed/);
      assert.equal(out.result.steps.find((s) => s.drill === 'rollback')?.status, 'passed');
      const report = await stack.drillctl(['report', workflowId]);
      assert.match(report.stdout, /Health, backup\/restore, replay and rollback drills succeed in sandbox: FAIL \(backup\/restore failed/);
      assert.match(report.stdout, /Post-drill traffic restored exactly to the original allocation on every service/);
    } finally {
      stack.sandbox.faults.clear();
    }
  });
});
