import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { closeCloudRunClients, createTrafficActivities, probeServingRevision, probeServingRevisions, TrafficFailure, type CloudRunTarget, type ServingProbeRequest, type ServingProbeResult, type TrafficChangeOutcome } from '../../src/activities/traffic';
import type { TrafficAllocation } from '../../src/domain/traffic';
import { seedServiceGroup, startCloudRunSandbox, type CloudRunSandbox } from '../../src/sandbox/cloud-run';

const BACKEND = 'oa-convex-backend-sandbox';
const OLD = `${BACKEND}-00010-kpf`;
const NEW = `${BACKEND}-00011-v4r`;
const ORIGINAL: TrafficAllocation = [{ type: 'LATEST', percent: 100 }];
const PINNED: TrafficAllocation = [{ type: 'REVISION', revision: OLD, percent: 100 }];
const quiet = { logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } };

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, String(err));
    return err;
  }
  return assert.fail('expected a failure');
}

describe('traffic activities (real client against the Cloud Run sandbox)', () => {
  let sandbox: CloudRunSandbox;
  let cloudRun: CloudRunTarget;
  const acts = createTrafficActivities();

  beforeEach(async () => {
    sandbox = await startCloudRunSandbox({ groups: [seedServiceGroup()], propagationDelayMs: 100, operationDelayMs: 100 });
    cloudRun = { project: sandbox.project, region: sandbox.region, apiEndpoint: sandbox.grpcAddress, sandbox: true };
  });
  afterEach(async () => {
    await closeCloudRunClients();
    await sandbox.stop();
  });

  const updates = () => sandbox.calls({ method: 'UpdateService', service: BACKEND }).length;

  it('shiftTraffic moves from the planned allocation, and a retry after success changes nothing', async () => {
    const first = (await new MockActivityEnvironment(undefined, quiet).run(acts.shiftTraffic, { cloudRun, service: BACKEND, from: ORIGINAL, to: PINNED, settleTimeoutMs: 10_000 })) as TrafficChangeOutcome;
    assert.equal(first.changed, true);
    assert.deepEqual(first.snapshot.traffic, PINNED);
    const again = (await new MockActivityEnvironment({ attempt: 2 }, quiet).run(acts.shiftTraffic, { cloudRun, service: BACKEND, from: ORIGINAL, to: PINNED, settleTimeoutMs: 10_000 })) as TrafficChangeOutcome;
    assert.equal(again.changed, false);
    assert.equal(updates(), 1);
  });

  it('shiftTraffic refuses, without writing, when someone else changed the traffic since the plan', async () => {
    const other: TrafficAllocation = [{ type: 'REVISION', revision: NEW, percent: 100 }];
    await acts.restoreTraffic({ cloudRun, service: BACKEND, allocation: other, settleTimeoutMs: 10_000 });
    const err = await failure(acts.shiftTraffic({ cloudRun, service: BACKEND, from: ORIGINAL, to: PINNED, settleTimeoutMs: 10_000 }));
    assert.equal(err.type, TrafficFailure.trafficChanged);
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, /traffic of service oa-convex-backend-sandbox changed since the drill read it: now oa-convex-backend-sandbox-00011-v4r 100%, planned from LATEST 100%/);
    assert.equal(updates(), 1, 'only the setup wrote');
  });

  it('an etag race fails retryably, and the retry re-reads and succeeds', async () => {
    sandbox.staleEtag(BACKEND, 1);
    const err = await failure(acts.shiftTraffic({ cloudRun, service: BACKEND, from: ORIGINAL, to: PINNED, settleTimeoutMs: 10_000 }));
    assert.equal(err.type, TrafficFailure.conflict);
    assert.equal(err.nonRetryable, false);
    const retried = await acts.shiftTraffic({ cloudRun, service: BACKEND, from: ORIGINAL, to: PINNED, settleTimeoutMs: 10_000 });
    assert.equal(retried.changed, true);
  });

  it('restoreTraffic is a no-op on a service that already has the allocation', async () => {
    const out = await acts.restoreTraffic({ cloudRun, service: BACKEND, allocation: ORIGINAL, settleTimeoutMs: 10_000 });
    assert.equal(out.changed, false);
    assert.equal(updates(), 0);
  });

  it('restoreTraffic repairs a service whose last change failed (spec changed, routing did not)', async () => {
    sandbox.failOperations(BACKEND, 1);
    await failure(acts.shiftTraffic({ cloudRun, service: BACKEND, from: ORIGINAL, to: PINNED, settleTimeoutMs: 10_000 }));
    const out = await acts.restoreTraffic({ cloudRun, service: BACKEND, allocation: ORIGINAL, settleTimeoutMs: 10_000 });
    assert.equal(out.changed, true);
    assert.equal(out.snapshot.ready, true);
    assert.deepEqual(sandbox.view(BACKEND).traffic, [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', revision: '', percent: 100, tag: '' }]);
  });

  it('checkCloudRunReadiness reports Ready with what serves, and fails retryably when not Ready', async () => {
    const ok = await acts.checkCloudRunReadiness({ cloudRun, service: BACKEND });
    assert.equal(ok.detail, `Ready, serving ${NEW}`);
    sandbox.failOperations(BACKEND, 1, { message: 'Revision failed to route' });
    await failure(acts.shiftTraffic({ cloudRun, service: BACKEND, from: ORIGINAL, to: PINNED, settleTimeoutMs: 10_000 }));
    const err = await failure(acts.checkCloudRunReadiness({ cloudRun, service: BACKEND }));
    assert.equal(err.type, 'CloudRunNotReady');
    assert.equal(err.nonRetryable, false);
    assert.match(err.message, /not Ready: CONDITION_FAILED: Revision failed to route/);
  });
});

describe('probeServingRevision (data plane)', () => {
  let sandbox: CloudRunSandbox;
  let url: string;
  beforeEach(async () => {
    sandbox = await startCloudRunSandbox({ groups: [seedServiceGroup()], propagationDelayMs: 600, operationDelayMs: 50, identityHeader: 'x-serving-revision', migrationWindowMs: 0 });
    url = sandbox.group('convex').services[0]!.url;
  });
  afterEach(() => sandbox.stop());

  const request = (over: Partial<ServingProbeRequest> = {}): ServingProbeRequest => ({
    service: BACKEND,
    url,
    path: '/',
    revisionHeader: 'x-serving-revision',
    expectedRevisions: [OLD],
    consecutive: 3,
    intervalMs: 100,
    requestTimeoutMs: 2000,
    deadlineMs: Date.now() + 20_000,
    ...over,
  });

  it('sees the switch within one interval of the router, after N consecutive healthy answers, heartbeating each', async () => {
    const env = new MockActivityEnvironment(undefined, quiet);
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    await createTrafficActivities().restoreTraffic({ cloudRun: { project: sandbox.project, region: sandbox.region, apiEndpoint: sandbox.grpcAddress, sandbox: true }, service: BACKEND, allocation: PINNED, settleTimeoutMs: 10_000 });
    await closeCloudRunClients();
    const result = (await env.run(probeServingRevision, request())) as ServingProbeResult;
    const sw = sandbox.switches(BACKEND).find((r) => r.routing.weights[0]?.revision === OLD);
    assert.ok(sw);
    assert.equal(result.revision, OLD);
    assert.ok(result.servingSinceMs >= sw.atMs - 20 && result.servingSinceMs <= sw.atMs + 100 + 50, `seen ${result.servingSinceMs - sw.atMs} ms after the switch`);
    assert.ok(result.confirmedAtMs >= result.servingSinceMs + 2 * 100 - 20, 'three answers, one interval apart');
    assert.equal(beats.length, result.answers);
  });

  it('does not count unhealthy answers from the target', async () => {
    sandbox.setRevisionReady(BACKEND, NEW, false);
    const err = await failure(new MockActivityEnvironment(undefined, quiet).run(probeServingRevision, request({ expectedRevisions: [NEW], deadlineMs: Date.now() + 700 })));
    assert.equal(err.type, 'ServingRevisionNotSeen');
    assert.match(err.message, /never gave 3 consecutive healthy answers from oa-convex-backend-sandbox-00011-v4r before the deadline .*last answer HTTP 503 from oa-convex-backend-sandbox-00011-v4r/);
  });

  it('resumes the streak a previous attempt heartbeated', async () => {
    const env = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: { streak: 2, streakStartMs: 1234, answers: 7 } }, quiet);
    const result = (await env.run(probeServingRevision, request({ expectedRevisions: [NEW] }))) as ServingProbeResult;
    assert.equal(result.servingSinceMs, 1234);
    assert.equal(result.answers, 8);
  });

  it('several probes as one activity: results in order, heartbeats carry each streak, a retry resumes each', async () => {
    const dashboard = sandbox.group('convex').services[1]!;
    const env = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: [undefined, { streak: 2, streakStartMs: 1234, answers: 7 }] }, quiet);
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(structuredClone(d)));
    const results = (await env.run(probeServingRevisions, [request({ expectedRevisions: [NEW] }), request({ service: dashboard.service, url: dashboard.url, expectedRevisions: [`${dashboard.service}-00002-hwm`] })])) as ServingProbeResult[];
    assert.deepEqual(results.map((r) => [r.service, r.revision]), [[BACKEND, NEW], [dashboard.service, `${dashboard.service}-00002-hwm`]]);
    assert.equal(results[1]!.servingSinceMs, 1234, 'the second probe resumed its streak');
    assert.ok(beats.every((b) => Array.isArray(b) && b.length === 2));
  });

  it('several probes as one activity: the first that fails fails it, with its own cause', async () => {
    sandbox.setRevisionReady(BACKEND, NEW, false);
    const err = await failure(new MockActivityEnvironment(undefined, quiet).run(probeServingRevisions, [request({ expectedRevisions: [NEW], deadlineMs: Date.now() + 700 }), request({ expectedRevisions: [OLD], deadlineMs: Date.now() + 60_000 })]));
    assert.equal(err.type, 'ServingRevisionNotSeen');
    assert.match(err.message, /oa-convex-backend-sandbox-00011-v4r before the deadline/);
  });
});
