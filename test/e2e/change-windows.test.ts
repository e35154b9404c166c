import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DEMO_SIGNER, DEMO_SIGNING_KEY_FILE } from '../../src/sandbox/demo-signer';
import { SANDBOX_ROLLOUT_ENVIRONMENT } from '../../src/sandbox/rollout';
import { startStack, type Stack } from '../support/stack';
import { releaseTraffic, waitForSandboxRollout } from './sandbox-rollout';

describe('drillctl rollout under a change freeze (subprocess, real server, worker and sandbox)', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack('change-windows');
  });
  after(() => stack.stop());

  it('status names the freeze; an unsigned override is refused, a signed one lets the step through; an abort during the next wait restores traffic', async () => {
    // The worker's own config: the sandbox's always-open window, and now a freeze in force.
    const windows = stack.workerConfig.environments[SANDBOX_ROLLOUT_ENVIRONMENT]!.changeWindows!;
    windows.freezes = [{ from: new Date(Date.now() - 60_000).toISOString(), until: new Date(Date.now() + 86_400_000).toISOString(), reason: 'Quarter-end freeze' }];
    const plan = path.join(stack.home, 'frozen.yaml');
    fs.writeFileSync(plan, ['environment: sandbox-rollout', 'serviceGroup: convex', 'steps:', '  - { name: canary, percent: 10, bake: 1s, approval: { required: false } }', '  - { name: full, percent: 100, bake: 1s, approval: { required: false } }', ''].join('\n'));
    const before = releaseTraffic(stack);

    const started = await stack.drillctl(['rollout', 'start', '-f', plan, '--as', 'carol']);
    assert.equal(started.code, 0, started.stderr);
    await waitForSandboxRollout('canary waits for the window', (s) => s.changeWindow?.step === 'canary');
    const shown = await stack.drillctl(['--env', 'sandbox-rollout', 'rollout', 'status']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /Waiting for the change window since \S+ \(the shift to 10 %\): change freeze "Quarter-end freeze"/);
    assert.match(shown.stdout, /override \(signed\): drillctl rollout override-window traffic-sandbox-rollout-convex --step canary/);

    const unsigned = await stack.drillctl(['--env', 'sandbox-rollout', 'rollout', 'override-window', '--step', 'canary', '--reason', 'hotfix', '--as', 'alice'], { DRILLCTL_SIGNING_KEY: '' });
    assert.equal(unsigned.code, 2, unsigned.stderr);
    assert.match(unsigned.stderr, /an override of a change window must be signed/);

    const key = path.join(stack.sandbox.dataDir, DEMO_SIGNING_KEY_FILE);
    const signed = await stack.drillctl(['--env', 'sandbox-rollout', 'rollout', 'override-window', '--step', 'canary', '--reason', 'hotfix for INC-42', '--key', key]);
    assert.equal(signed.code, 0, signed.stderr);
    assert.match(signed.stdout, new RegExp(`Change window overridden for step canary by ${DEMO_SIGNER} \\(signed, key SHA256:\\S+\\): hotfix for INC-42`));
    const waiting = await waitForSandboxRollout('full waits for the window', (s) => s.changeWindow?.step === 'full');
    assert.ok(waiting.steps[0]!.shiftedAt, 'the canary shifted during the freeze');
    assert.deepEqual(waiting.windowOverrides?.map((o) => [o.step, o.by]), [['canary', DEMO_SIGNER]]);

    const abort = await stack.drillctl(['--env', 'sandbox-rollout', 'rollout', 'abort', '--as', 'alice', '--reason', 'wait for the quarter']);
    assert.equal(abort.code, 0, abort.stderr);
    const watch = await stack.drillctl(['--env', 'sandbox-rollout', 'rollout', 'status', '--watch']);
    assert.equal(watch.code, 1, 'an aborted rollout exits 1');
    assert.match(watch.stdout, /## Change Window Overrides\n\n- canary: by demo-oncall \(signed, key SHA256:\S+\)/);
    assert.deepEqual(releaseTraffic(stack), before, 'stable traffic restored on every service');
  });
});
