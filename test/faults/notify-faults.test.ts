import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { finishedRollout } from '../../src/client';
import { RELEASE_SERVICES, SANDBOX_ROLLOUT_ENVIRONMENT } from '../../src/sandbox/rollout';
import type { RolloutResult } from '../../src/contracts/rollout';
import { freePort } from '../support/ports';
import { promotedTraffic, startRollout, useRolloutFaultStack } from './rollout-driver';

/** One step to everyone, no approval: the only notice is "finished". */
const plan = (target: string) => `environment: ${SANDBOX_ROLLOUT_ENVIRONMENT}
serviceGroup: convex
candidates: { backend: latest, dashboard: latest }
finish: { traffic: pinned }
notify: { target: ${target} }
steps:
  - { name: full, percent: 100, bake: 1s, approval: { required: false } }
`;

/** A webhook that takes every request and never answers; records when each arrived and when the sender hung up. */
async function silentWebhook(): Promise<{ url: string; requests: { arrivedMs: number; closedMs?: number }[]; stop(): Promise<void> }> {
  const requests: { arrivedMs: number; closedMs?: number }[] = [];
  const server = http.createServer((req) => {
    const r: { arrivedMs: number; closedMs?: number } = { arrivedMs: Date.now() };
    requests.push(r);
    req.socket.once('close', () => (r.closedMs = Date.now()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    requests,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/*
 * Fault matrix, notifications: the rollout's webhook is down or never answers. Neither may stop or
 * undo a rollout; each delivery is bounded by the target's timeoutSeconds (default 5), and the miss
 * is named in the result's timeline.
 */
describe('fault matrix: a webhook that is down or never answers (real dev server, sandbox release group)', function () {
  this.timeout(300_000);
  const rig = useRolloutFaultStack('faults-notify');

  const notifications = () => rig.stack.workerConfig.environments[SANDBOX_ROLLOUT_ENVIRONMENT]!.rollout.notifications;
  const missed = (result: RolloutResult) => result.timeline.filter((t) => t.event === 'notification').map((t) => t.detail);

  async function promotes(target: string): Promise<RolloutResult> {
    const run = await startRollout(rig.stack, rig.client, plan(target));
    const result = await finishedRollout(run.handle);
    await run.approving;
    assert.equal(result.outcome, 'promoted', result.abortReason);
    for (const [role, service] of Object.entries(RELEASE_SERVICES)) assert.deepEqual(rig.stack.sandbox.cloudRun.view(service).traffic, promotedTraffic(role as 'backend' | 'dashboard'), service);
    return result;
  }

  it('a webhook that is down: the rollout promotes and the timeline names the unreachable webhook', async () => {
    notifications().down = { webhook: `http://127.0.0.1:${await freePort()}/hook` };
    const result = await promotes('down');
    assert.equal(missed(result).length, 1, JSON.stringify(missed(result)));
    assert.match(missed(result)[0]!, /could not send the "finished" notification: webhook "down" \(http:\/\/127\.0\.0\.1:\d+\) unreachable: .*ECONNREFUSED/);
  });

  it('a webhook that never answers: each delivery gives up at timeoutSeconds, the rollout promotes, and the timeline names the setting', async () => {
    const hook = await silentWebhook();
    try {
      notifications().silent = { webhook: hook.url, timeoutSeconds: 1 };
      const result = await promotes('silent');
      assert.match(missed(result)[0] ?? '', /could not send the "finished" notification: webhook "silent" \(http:\/\/127\.0\.0\.1:\d+\) did not answer within 1 s \(environments\.sandbox-rollout\.rollout\.notifications\.silent\.timeoutSeconds\)/);
      assert.ok(hook.requests.length >= 2, `${hook.requests.length} deliveries: the failed one is retried`);
      // Each attempt hung up at its own timeout (1 s), not at the activity's or an HTTP client's default.
      for (const r of hook.requests) assert.ok(r.closedMs !== undefined && r.closedMs - r.arrivedMs < 5000, `a delivery held for ${r.closedMs === undefined ? 'ever' : `${r.closedMs - r.arrivedMs} ms`}`);
    } finally {
      await hook.stop();
    }
  });
});
