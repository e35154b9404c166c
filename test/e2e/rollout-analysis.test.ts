import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { releaseServiceGroup, RELEASE_SERVICES } from '../../src/sandbox/rollout';
import { startStack, type Stack } from '../support/stack';
import { testEnv } from '../support/temporal';
import { releaseTraffic, SANDBOX_ROLLOUT_ID, waitForSandboxRollout } from './sandbox-rollout';


/** A 50 % canary in the sandbox judged by the `cloud-run` provider its config declares: the backend's 5xx ratio against stable's. */
const PLAN = `
environment: sandbox-rollout
serviceGroup: convex
steps:
  - name: canary
    percent: 50
    approval: { required: false }
    bake: 10m
    analysis:
      interval: 1s
      stopAfter: 2s
      metrics:
        - { name: candidate-5xx, provider: cloud-run, query: 5xx-ratio, services: [backend], window: 1m, minSamples: 5, compare: { maxRatio: 2, maxDifference: 0.02 } }
  - name: full
    percent: 100
    approval: { required: false }
`;

describe('drillctl sandbox fault rollout-candidate during a canary judged on Cloud Monitoring (subprocess CLI, real server, worker and sandbox)', function () {
  this.timeout(300_000);
  let stack: Stack;
  let client: Client;

  before(async () => {
    client = (await testEnv()).client;
    stack = await startStack('rollout-analysis');
    // `drillctl sandbox fault` finds the running sandbox through the state file `drillctl up` writes.
    fs.mkdirSync(path.join(stack.home, 'sandbox'), { recursive: true });
    fs.writeFileSync(path.join(stack.home, 'sandbox', 'state.json'), JSON.stringify({ pid: process.pid, configPath: stack.sandbox.configPath, controlUrl: stack.sandbox.controlUrl, endpoints: stack.sandbox.endpoints }));
  });
  after(async () => {
    // A failed run must not leave the group's traffic lock held for the next rollout test.
    await client?.workflow.getHandle(SANDBOX_ROLLOUT_ID).terminate('test finished').catch(() => undefined);
    await stack?.stop();
  });

  it('the candidate answering 503 to half its real requests aborts the canary against stable, and traffic is restored exactly', async () => {
    const group = releaseServiceGroup();
    const before = releaseTraffic(stack);
    const plan = path.join(stack.home, 'canary.yaml');
    fs.writeFileSync(plan, PLAN);
    const started = await stack.drillctl(['rollout', 'start', '-f', plan, '--as', 'carol']);
    assert.equal(started.code, 0, started.stderr);
    const s = await waitForSandboxRollout('the clean canary passes', (x) => x.phase === 'baking' && !!x.checks['candidate-5xx backend']?.ok, 180_000);
    assert.equal(s.checks['candidate-5xx backend']?.ok, true, 'the clean canary passes first');

    const fault = await stack.drillctl(['sandbox', 'fault', 'rollout-candidate', '{"share":0.5,"role":"backend"}']);
    assert.equal(fault.code, 0, fault.stderr);
    const watch = await stack.drillctl(['--env', 'sandbox-rollout', 'rollout', 'status', '--watch']);
    assert.equal(watch.code, 1, 'an aborted rollout exits 1');
    assert.match(watch.stdout, /Why it stopped: analysis of step canary: candidate-5xx backend failing for \S+ \(stop rule: 2s\): candidate 0\.\d+ \(\d+ requests\) vs stable 0(\.\d+)? \(\d+ requests\): above 2× stable or stable \+ 0\.02/);
    assert.deepEqual(releaseTraffic(stack), before);
    // The stable revision stayed clean all along: the fault hit the candidate alone.
    const stable5xx = stack.sandbox.cloudRun.requests.between(0, Date.now(), { service: RELEASE_SERVICES.backend, revision: group.stable.backend }).filter((r) => r.status >= 500);
    assert.equal(stable5xx.length, 0);
    await stack.drillctl(['sandbox', 'fault', '--clear']);
  });
});
