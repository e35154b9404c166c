import assert from 'node:assert/strict';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { grpc } from 'google-gax';
import { cloudRunClients, closeCloudRunClients } from '../../src/activities/traffic';
import { seedServiceGroup, startCloudRunSandbox, type CloudRunSandbox, type CloudRunSandboxSpec } from '../../src/sandbox/cloud-run';
import { rollbackProgressQuery, ROLLBACK_WORKFLOW, rollbackWorkflowId, type RollbackDrillInput, type RollbackDrillResult } from '../../src/contracts/rollback';
import { startUnderTrafficLock, TrafficLockHeldError } from '../../src/contracts/traffic-lock';
import { testEnv } from '../support/temporal';
import { createTestWorker, emptyWorkerConfig } from '../support/worker';
import { registerRollback } from '../support/worker-config';
import { rollbackInputFor, uniqueEnvironment } from '../support/rollback-sandbox';
import { resultOfFailure } from '../../src/contracts/run-conclusion';

const BACKEND = 'oa-convex-backend-sandbox';
const DASHBOARD = 'oa-convex-dashboard-sandbox';
const TASK_QUEUE = 'rollback-workflow-test';

/** GetService and ListRevisions through the real client, serialized: what "byte-for-byte" compares. */
async function rawState(sandbox: CloudRunSandbox, service: string): Promise<string> {
  const target = { project: sandbox.project, region: sandbox.region, apiEndpoint: sandbox.grpcAddress, sandbox: true };
  const { services, revisions } = cloudRunClients(target);
  const name = services.servicePath(sandbox.project, sandbox.region, service);
  const [svc] = await services.getService({ name });
  const [revs] = await revisions.listRevisions({ parent: name });
  return JSON.stringify({ svc, revs });
}

function failureChain(err: unknown): { types: string[]; messages: string } {
  const types: string[] = [];
  const messages: string[] = [];
  let cur: unknown = err;
  while (cur instanceof Error) {
    if (cur instanceof ApplicationFailure && cur.type) types.push(cur.type);
    messages.push(cur.message);
    cur = (cur as Error & { cause?: unknown }).cause;
  }
  return { types, messages: messages.join(' | ') };
}

describe('rollbackDrill workflow (real dev server, real activities, Cloud Run sandbox)', () => {
  let env: TestWorkflowEnvironment;
  let sandbox: CloudRunSandbox;
  let worker: Worker;
  let running: Promise<void>;
  const config = emptyWorkerConfig();

  const start = (input: RollbackDrillInput): Promise<WorkflowHandle> =>
    env.client.workflow.start(ROLLBACK_WORKFLOW, { taskQueue: TASK_QUEUE, workflowId: rollbackWorkflowId(input.environment, input.group, input.mode, new Date()), args: [registerRollback(config, input)], workflowIdConflictPolicy: 'FAIL' });
  const run = async (input: RollbackDrillInput): Promise<RollbackDrillResult> => (await start(input)).result() as Promise<RollbackDrillResult>;
  const runFailing = async (input: RollbackDrillInput): Promise<{ types: string[]; messages: string; result?: RollbackDrillResult }> => {
    try {
      await run(input);
    } catch (err) {
      assert.ok(err instanceof WorkflowFailedError, String(err));
      return { ...failureChain(err), result: resultOfFailure<RollbackDrillResult>(err) };
    }
    return assert.fail('the drill should have failed');
  };

  const startWith = async (spec: Partial<CloudRunSandboxSpec> = {}): Promise<void> => {
    sandbox = await startCloudRunSandbox({ groups: [seedServiceGroup()], propagationDelayMs: 300, operationDelayMs: 200, ...spec });
  };

  before(async () => {
    env = await testEnv();
    worker = await createTestWorker(env, { taskQueue: TASK_QUEUE, config });
    running = worker.run();
  });
  after(async () => {
    worker.shutdown();
    await running;
  });
  afterEach(async () => {
    await closeCloudRunClients();
    await sandbox?.stop();
  });

  it('dry run (the default) plans per service and leaves every service byte-for-byte as it was', async () => {
    await startWith();
    const before = [await rawState(sandbox, BACKEND), await rawState(sandbox, DASHBOARD)];
    const result = await run(rollbackInputFor(sandbox, { mode: 'dry-run', environment: uniqueEnvironment() }));
    assert.equal(result.verdict, 'PLANNED');
    assert.deepEqual(
      result.services.map((s) => [s.service, s.current, s.target, s.originalSummary]),
      [
        [BACKEND, `${BACKEND}-00011-v4r`, `${BACKEND}-00010-kpf`, 'LATEST 100%'],
        [DASHBOARD, `${DASHBOARD}-00002-hwm`, `${DASHBOARD}-00001-8rs`, 'LATEST 100%'],
      ],
    );
    assert.equal(result.rtoSeconds, undefined);
    assert.deepEqual([await rawState(sandbox, BACKEND), await rawState(sandbox, DASHBOARD)], before);
    assert.deepEqual(sandbox.calls({ method: 'UpdateService' }), []);
  });

  it('apply with a revision header (sidecar mode, instant switch): RTO matches the routers\' recorded switch within one probe interval, and traffic ends exactly as it started', async () => {
    await startWith({ identityHeader: 'x-serving-revision', migrationWindowMs: 0 });
    const input = rollbackInputFor(sandbox, { mode: 'apply', environment: uniqueEnvironment(), identity: { header: 'x-serving-revision' } });
    const originals = [sandbox.view(BACKEND).traffic, sandbox.view(DASHBOARD).traffic];
    const result = await run(input);
    assert.equal(result.verdict, 'PASS', result.reasons.join('; '));
    assert.equal(result.trafficRestored, true);
    assert.deepEqual([sandbox.view(BACKEND).traffic, sandbox.view(DASHBOARD).traffic], originals);
    assert.deepEqual(sandbox.view(BACKEND).routing.weights, [{ revision: `${BACKEND}-00011-v4r`, percent: 100 }]);

    const interval = input.rollback.probeIntervalMs;
    const shiftStart = Date.parse(result.shiftStartedAt ?? '');
    const switchedAt: number[] = [];
    for (const s of result.services) {
      const sw = sandbox.switches(s.service).find((r) => r.routing.weights[0]?.revision === s.target);
      assert.ok(sw, `router of ${s.service} recorded the switch to ${s.target}`);
      switchedAt.push(sw.atMs);
      const seen = Date.parse(s.servingTargetAt ?? '');
      assert.ok(seen >= sw.atMs - 50 && seen <= sw.atMs + interval + 50, `${s.service}: probe saw the target at +${seen - sw.atMs} ms after the router switched (interval ${interval} ms)`);
    }
    const routerRtoMs = Math.max(...switchedAt) - shiftStart;
    assert.ok(Math.abs(result.rtoSeconds! * 1000 - routerRtoMs) <= interval + 50, `RTO ${result.rtoSeconds} s vs router ${routerRtoMs} ms`);
    assert.ok(result.restoreSeconds! > 0 && result.totalSeconds! >= result.rtoSeconds! + result.restoreSeconds! - 0.001);
  });

  describe('revision identity strategies on the Cloud Run-faithful sandbox (no identity header, gradual migration)', () => {
    /** Every service: RTO seen no earlier than the API showed the shift's generation in force. */
    const assertNotBeforeApi = (result: RollbackDrillResult): void => {
      for (const s of result.services) {
        const shift = sandbox.inForce(s.service).find((r) => r.atMs >= Date.parse(result.shiftStartedAt ?? ''));
        assert.ok(shift, `${s.service}: the API showed the shift in force`);
        const seen = Date.parse(s.servingTargetAt ?? '');
        assert.ok(seen >= shift.atMs, `${s.service}: RTO ends ${shift.atMs - seen} ms before the API showed the target in force`);
        assert.ok(Date.parse(s.apiInForceAt ?? '') >= shift.atMs && Date.parse(s.apiInForceAt ?? '') <= seen, `${s.service}: the probe recorded when it read the target in force`);
      }
    };

    it('none: PASS, and the RTO is never reported before the API shows the target traffic in force', async () => {
      await startWith({ migrationWindowMs: 4000 });
      const originals = [sandbox.view(BACKEND).traffic, sandbox.view(DASHBOARD).traffic];
      const result = await run(rollbackInputFor(sandbox, { mode: 'apply', environment: uniqueEnvironment() }));
      assert.equal(result.verdict, 'PASS', result.reasons.join('; '));
      assert.deepEqual([sandbox.view(BACKEND).traffic, sandbox.view(DASHBOARD).traffic], originals);
      assert.equal(result.rtoStrategy, 'none');
      assert.match(result.rtoMeaning ?? '', /Cloud Run API reported the target traffic in force.*may still be migrating/);
      assertNotBeforeApi(result);
      // What the figure means under none: the API said done, the router had not finished migrating.
      const seen = Date.parse(result.services.find((x) => x.service === BACKEND)?.servingTargetAt ?? '');
      assert.ok(!sandbox.switches(BACKEND).some((r) => r.routing.weights[0]?.revision === `${BACKEND}-00010-kpf` && r.atMs <= seen), 'RTO reported while the data plane was still migrating');
    });

    it('none: a broken target with a tag URL is caught there, before the service URL is asked', async () => {
      const group = seedServiceGroup();
      const tagged = [
        { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST' as const, revision: '', percent: 100, tag: '' },
        { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION' as const, revision: `${BACKEND}-00010-kpf`, percent: 0, tag: 'previous' },
      ];
      await startWith({ groups: [{ ...group, services: group.services.map((x) => (x.service === BACKEND ? { ...x, traffic: tagged } : x)) }] });
      sandbox.setRevisionFault(BACKEND, `${BACKEND}-00010-kpf`, { kind: 'http-error', status: 500 });
      const { types, messages } = await runFailing(rollbackInputFor(sandbox, { mode: 'apply', environment: uniqueEnvironment(), rollback: { switchTimeoutSeconds: 4 } }));
      assert.ok(types.includes('ServingRevisionNotSeen'), types.join(','));
      assert.match(messages, new RegExp(`${sandbox.view(BACKEND).trafficStatuses.find((t) => t.tag === 'previous')?.uri}/ never gave 3 consecutive healthy answers .*last answer HTTP 500`));
      assert.deepEqual(sandbox.view(BACKEND).traffic, tagged);
    });

    it('header with the identity sidecar on: PASS, measured on the data plane after the migration began', async () => {
      await startWith({ identityHeader: 'x-k-revision' });
      const result = await run(rollbackInputFor(sandbox, { mode: 'apply', environment: uniqueEnvironment(), identity: { header: 'x-k-revision' } }));
      assert.equal(result.verdict, 'PASS', result.reasons.join('; '));
      assert.equal(result.rtoStrategy, 'header');
      for (const s of result.services) {
        const sw = sandbox.switches(s.service).find((r) => r.routing.weights[0]?.revision === s.target);
        assert.ok(sw && Date.parse(s.servingTargetAt ?? '') >= sw.startedAtMs - 50, `${s.service}: the target answered only once the router began to move`);
      }
    });

    it('header without the sidecar: the drill fails naming the missing header, and the original traffic is restored', async () => {
      await startWith();
      const { types, messages } = await runFailing(rollbackInputFor(sandbox, { mode: 'apply', environment: uniqueEnvironment(), identity: { header: 'x-k-revision' }, rollback: { switchTimeoutSeconds: 3 } }));
      assert.ok(types.includes('ServingRevisionNotSeen'), types.join(','));
      assert.match(messages, /from an unnamed revision/);
      assert.deepEqual(sandbox.view(BACKEND).traffic, [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', revision: '', percent: 100, tag: '' }]);
    });

    const withImages = (images: Record<string, string>) => {
      const group = seedServiceGroup();
      return { groups: [{ ...group, services: group.services.map((s) => ({ ...s, revisions: s.revisions.map((r) => (images[r.name] ? { ...r, image: `registry.example/convex-backend:${images[r.name]}`, version: images[r.name] } : r)) })) }] };
    };

    it('versionEndpoint with two images: PASS, the backend measured by the version its image serves', async () => {
      await startWith(withImages({ [`${BACKEND}-00010-kpf`]: '1.16.0', [`${BACKEND}-00011-v4r`]: '1.17.4' }));
      const result = await run(rollbackInputFor(sandbox, { mode: 'apply', environment: uniqueEnvironment(), identity: { backend: { versionEndpoint: { path: '/version' } } } }));
      assert.equal(result.verdict, 'PASS', result.reasons.join('; '));
      const backend = result.services.find((s) => s.role === 'backend');
      assert.equal(backend?.identityStrategy, 'versionEndpoint');
      assert.equal(backend?.identityFallback, undefined);
      assert.equal(result.rtoStrategy, 'versionEndpoint+none');
      assert.match(result.rtoMeaning ?? '', /served the version of the target revision's image/);
    });

    it('versionEndpoint with identical images falls back to none and says why', async () => {
      await startWith(withImages({ [`${BACKEND}-00010-kpf`]: '1.17.4', [`${BACKEND}-00011-v4r`]: '1.17.4' }));
      const result = await run(rollbackInputFor(sandbox, { mode: 'apply', environment: uniqueEnvironment(), identity: { backend: { versionEndpoint: { path: '/version' } } } }));
      assert.equal(result.verdict, 'PASS', result.reasons.join('; '));
      const backend = result.services.find((s) => s.role === 'backend');
      assert.equal(backend?.identityStrategy, 'none');
      assert.match(backend?.identityFallback ?? '', /run the same image \(registry\.example\/convex-backend:1\.17\.4\), so the version endpoint cannot tell them apart/);
      assert.equal(result.rtoStrategy, 'none');
      assertNotBeforeApi(result);
    });
  });

  it('restores a split allocation with LATEST and tags exactly (types, percents, tags)', async () => {
    const now = Date.now();
    const day = 86_400_000;
    const svc = 'oa-split-backend';
    const traffic = [
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION' as const, revision: `${svc}-00011-v4r`, percent: 90, tag: 'stable' },
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST' as const, revision: '', percent: 10, tag: 'canary' },
    ];
    await startWith({
      groups: [{ name: 'split', services: [{ role: 'backend', service: svc, kind: 'backend', traffic, revisions: [`00010-kpf`, `00011-v4r`, `00012-abc`].map((r, i) => ({ name: `${svc}-${r}`, createdAt: new Date(now - (3 - i) * day) })) }] }],
    });
    const result = await run(rollbackInputFor(sandbox, { mode: 'apply', group: 'split', environment: uniqueEnvironment() }));
    assert.equal(result.verdict, 'PASS', result.reasons.join('; '));
    const [s] = result.services;
    assert.equal(s?.current, `${svc}-00011-v4r 90%, ${svc}-00012-abc 10%`);
    assert.equal(s?.target, `${svc}-00011-v4r`, 'newest Ready revision created before the newest serving one');
    assert.equal(s?.rollbackSummary, `${svc}-00011-v4r 100%, ${svc}-00011-v4r 0% #stable, LATEST 0% #canary`);
    assert.deepEqual(sandbox.view(svc).traffic, traffic);
  });

  it('the second service\'s switch fails: the first is restored and the drill fails with the cause', async () => {
    // An instant data plane, so the backend's short-lived switch completes and is recorded.
    await startWith({ migrationWindowMs: 0 });
    sandbox.failUpdates(DASHBOARD, { code: grpc.status.FAILED_PRECONDITION, message: 'dashboard update refused by policy' });
    const original = sandbox.view(BACKEND).traffic;
    const { types, messages } = await runFailing(rollbackInputFor(sandbox, { mode: 'apply', environment: uniqueEnvironment() }));
    assert.deepEqual(types.slice(0, 1), ['RollbackDrillFailed']);
    assert.ok(types.includes('CloudRunFailedPrecondition'), types.join(','));
    assert.match(messages, /dashboard update refused by policy/);
    assert.match(messages, /Traffic restored on every service, verified\./);
    assert.deepEqual(sandbox.view(BACKEND).traffic, original);
    assert.ok(sandbox.switches(BACKEND).some((r) => r.routing.weights[0]?.revision === `${BACKEND}-00010-kpf`), 'the backend really switched before being restored');
    // The data plane follows the restored configuration after its propagation delay.
    const back = await sandbox.waitForSwitch(BACKEND, (r) => r.routing.weights[0]?.revision === `${BACKEND}-00011-v4r` && r.generation > 2);
    assert.deepEqual(back.routing.weights, [{ revision: `${BACKEND}-00011-v4r`, percent: 100 }]);
  });

  it('a failed operation on the second service also ends with both services on their original traffic', async () => {
    await startWith();
    sandbox.failOperations(DASHBOARD, 1);
    const originals = [sandbox.view(BACKEND).traffic, sandbox.view(DASHBOARD).traffic];
    const { types, result } = await runFailing(rollbackInputFor(sandbox, { mode: 'apply', environment: uniqueEnvironment() }));
    assert.ok(types.includes('CloudRunOperationFailed'), types.join(','));
    assert.deepEqual([sandbox.view(BACKEND).traffic, sandbox.view(DASHBOARD).traffic], originals);
    // The failure carries the whole result: verdict, cause chain, what changed and that it is back, read back from Cloud Run.
    assert.ok(result, 'the failure carries the result');
    assert.equal(result.verdict, 'FAIL');
    assert.equal(result.trafficRestored, true);
    assert.ok(result.conclusion?.causes.some((c) => c.type === 'CloudRunOperationFailed'), JSON.stringify(result.conclusion?.causes));
    assert.equal(result.conclusion?.failedAt, 'shifting');
    assert.deepEqual(result.conclusion?.changes.map((c) => [c.what.split(':')[0], c.undone]), [[`traffic of ${BACKEND}`, true], [`traffic of ${DASHBOARD}`, true]]);
    assert.match(result.conclusion?.summary ?? '', /^Rollback drill failed: .*\. Traffic restored on every service, verified\.$/);
    assert.deepEqual(result.services.map((s) => s.trafficRestored), [true, true]);
    assert.equal(typeof result.totalSeconds, 'number');
  });

  it('fails when the data plane never serves the target healthily (revision header), and restores the original traffic', async () => {
    await startWith({ identityHeader: 'x-serving-revision' });
    sandbox.setRevisionFault(BACKEND, `${BACKEND}-00010-kpf`, { kind: 'http-error', status: 500 });
    const { types, messages } = await runFailing(rollbackInputFor(sandbox, { mode: 'apply', environment: uniqueEnvironment(), identity: { header: 'x-serving-revision' }, rollback: { switchTimeoutSeconds: 4 } }));
    assert.ok(types.includes('ServingRevisionNotSeen'), types.join(','));
    assert.match(messages, /never gave 3 consecutive healthy answers from oa-convex-backend-sandbox-00010-kpf .*last answer HTTP 500/);
    for (const s of [BACKEND, DASHBOARD]) {
      assert.deepEqual(sandbox.view(s).traffic, [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', revision: '', percent: 100, tag: '' }], s);
    }
  });

  it('retries the restore until it succeeds and reports every failure loudly', async () => {
    await startWith();
    const input = rollbackInputFor(sandbox, { mode: 'apply', environment: uniqueEnvironment(), rollback: { holdSeconds: 2 } });
    const handle = await start(input);
    await sandbox.waitForSwitch(BACKEND, (r) => r.routing.weights[0]?.revision === `${BACKEND}-00010-kpf`);
    sandbox.failUpdates(BACKEND, { code: grpc.status.PERMISSION_DENIED, message: 'run.services.update denied' });
    const deadline = Date.now() + 60_000;
    let progress = await handle.query(rollbackProgressQuery);
    while (progress.restoreFailures < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      progress = await handle.query(rollbackProgressQuery);
    }
    assert.ok(progress.restoreFailures >= 2, 'the restore kept failing and was counted');
    assert.match(progress.lastRestoreError ?? '', /PERMISSION_DENIED/);
    sandbox.failUpdates(BACKEND, null);
    const result = (await handle.result()) as RollbackDrillResult;
    assert.equal(result.trafficRestored, true);
    assert.ok(result.restoreFailures >= 2);
    assert.deepEqual(sandbox.view(BACKEND).traffic, [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', revision: '', percent: 100, tag: '' }]);
  });

  it('a cancelled drill still ends with the original traffic', async () => {
    await startWith();
    const handle = await start(rollbackInputFor(sandbox, { mode: 'apply', environment: uniqueEnvironment(), rollback: { holdSeconds: 30 } }));
    await sandbox.waitForSwitch(DASHBOARD, (r) => r.routing.weights[0]?.revision === `${DASHBOARD}-00001-8rs`);
    await handle.cancel();
    await assert.rejects(handle.result(), (err: unknown) => err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure);
    for (const s of [BACKEND, DASHBOARD]) {
      assert.deepEqual(sandbox.view(s).traffic, [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', revision: '', percent: 100, tag: '' }], s);
    }
  });

  it('refuses a second traffic-changing workflow on the same group while one runs', async () => {
    await startWith();
    const input = rollbackInputFor(sandbox, { mode: 'apply', environment: uniqueEnvironment(), rollback: { holdSeconds: 3 } });
    const first = await startUnderTrafficLock(env.client.workflow, ROLLBACK_WORKFLOW, { environment: input.environment, group: input.group, taskQueue: TASK_QUEUE, args: [registerRollback(config, input)] });
    await assert.rejects(
      startUnderTrafficLock(env.client.workflow, 'stagedRollout', { environment: input.environment, group: input.group, taskQueue: TASK_QUEUE, args: [{}] }),
      (err: unknown) => err instanceof TrafficLockHeldError && err.holderType === ROLLBACK_WORKFLOW && new RegExp(`service group convex in ${input.environment} is already being changed by rollbackDrill traffic-${input.environment}-convex`).test(err.message),
    );
    const result = (await first.result()) as RollbackDrillResult;
    assert.equal(result.verdict, 'PASS');
  });

  it('refuses to apply outside the group\'s traffic lock', async () => {
    await startWith();
    const input = rollbackInputFor(sandbox, { mode: 'apply', environment: uniqueEnvironment() });
    const handle = await env.client.workflow.start(ROLLBACK_WORKFLOW, { taskQueue: TASK_QUEUE, workflowId: `scheduled-rollback-${input.environment}`, args: [registerRollback(config, input)] });
    await assert.rejects(handle.result(), (err: unknown) => failureChain(err).types.includes('TrafficLockRequired'));
    assert.deepEqual(sandbox.calls({ method: 'UpdateService' }), []);
  });

  describe('bad input: clear errors, nothing changed', () => {
    const cases: { name: string; input: Partial<RollbackDrillInput>; setup?: (s: CloudRunSandbox) => void; type: string; message: RegExp }[] = [
      { name: 'unknown service', input: { targets: { 'oa-nope': 'x' } }, type: 'UnknownService', message: /service group convex has no service "oa-nope"; use a role or service id of the group: backend \(oa-convex-backend-sandbox\), dashboard/ },
      { name: 'target equal to current', input: { targets: { backend: `${BACKEND}-00011-v4r` } }, type: 'TargetEqualsCurrent', message: /revision oa-convex-backend-sandbox-00011-v4r already serves 100% of service oa-convex-backend-sandbox.*--target backend=/ },
      {
        name: 'no Ready older revision',
        input: {},
        setup: (s) => s.setRevisionReady(DASHBOARD, `${DASHBOARD}-00001-8rs`, false),
        type: 'NoReadyOlderRevision',
        message: /service oa-convex-dashboard-sandbox has no Ready revision older than oa-convex-dashboard-sandbox-00002-hwm; pass --target dashboard=<revision>/,
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        await startWith();
        c.setup?.(sandbox);
        const before = [await rawState(sandbox, BACKEND), await rawState(sandbox, DASHBOARD)];
        const { types, messages } = await runFailing({ ...rollbackInputFor(sandbox, { mode: 'apply', environment: uniqueEnvironment() }), ...c.input });
        assert.deepEqual(types, [c.type]);
        assert.match(messages, c.message);
        assert.match(messages, /nothing was changed/);
        assert.deepEqual([await rawState(sandbox, BACKEND), await rawState(sandbox, DASHBOARD)], before);
        assert.deepEqual(sandbox.calls({ method: 'UpdateService' }), []);
      });
    }
  });

  describe('production guard', () => {
    it('refuses to apply in production without confirmation, ticket and reason', async () => {
      await startWith();
      const { types, messages } = await runFailing(rollbackInputFor(sandbox, { mode: 'apply', environment: uniqueEnvironment('prod'), production: true, confirmation: { confirmed: true, ticket: 'CHG-1' } }));
      assert.deepEqual(types, ['ProductionGuardRefused']);
      assert.match(messages, /is production: changing traffic needs --reason <why>; nothing was changed/);
      assert.deepEqual(sandbox.calls({ method: 'UpdateService' }), []);
    });

    it('applies with them, and records them in history and the result', async () => {
      await startWith();
      const input = rollbackInputFor(sandbox, { mode: 'apply', environment: uniqueEnvironment('prod'), production: true, requestedBy: 'alice', approvers: ['alice'], confirmation: { confirmed: true, ticket: 'CHG-42', reason: 'quarterly rollback drill' } });
      const handle = await start(input);
      const result = (await handle.result()) as RollbackDrillResult;
      assert.equal(result.verdict, 'PASS', result.reasons.join('; '));
      assert.deepEqual(result.guard, { production: true, requestedBy: 'alice', confirmed: true, ticket: 'CHG-42', reason: 'quarterly rollback drill' });
      const startedEvent = (await handle.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes;
      const recorded = JSON.parse(Buffer.from(startedEvent?.input?.payloads?.[0]?.data ?? []).toString()) as RollbackDrillInput;
      assert.deepEqual(recorded.confirmation, { confirmed: true, ticket: 'CHG-42', reason: 'quarterly rollback drill' });
      assert.equal(recorded.requestedBy, 'alice');
    });

    it('a dry run in production needs no confirmation', async () => {
      await startWith();
      const result = await run(rollbackInputFor(sandbox, { mode: 'dry-run', environment: uniqueEnvironment('prod'), production: true }));
      assert.equal(result.verdict, 'PLANNED');
    });
  });
});
