import assert from 'node:assert/strict';
import http from 'node:http';
import { ApplicationFailure } from '@temporalio/common';
import { grpc } from 'google-gax';
import { CloudRunTrafficAdapter, cloudRunClientOptions, cloudRunClients, closeCloudRunClients, TrafficFailure, type CloudRunTarget } from '../../src/activities/traffic';
import type { TrafficAllocation } from '../../src/domain/traffic';
import { seedServiceGroup, startCloudRunSandbox, type CloudRunSandbox } from '../../src/sandbox/cloud-run';

const BACKEND = 'oa-convex-backend-sandbox';
const OLD = `${BACKEND}-00010-kpf`;
const NEW = `${BACKEND}-00011-v4r`;

async function rejectsWith(p: Promise<unknown>, type: string, nonRetryable: boolean, mentions: RegExp): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
    assert.equal(err.type, type, err.message);
    assert.equal(err.nonRetryable, nonRetryable, `nonRetryable for ${type}`);
    assert.match(err.message, mentions);
    return err;
  }
  assert.fail(`expected a ${type} failure`);
}

describe('Cloud Run traffic adapter (real @google-cloud/run client against the emulator)', () => {
  let sandbox: CloudRunSandbox;
  let target: CloudRunTarget;
  let adapter: CloudRunTrafficAdapter;

  beforeEach(async () => {
    sandbox = await startCloudRunSandbox({ groups: [seedServiceGroup()], propagationDelayMs: 100, operationDelayMs: 150, identityHeader: 'x-serving-revision', migrationWindowMs: 0 });
    target = { project: sandbox.project, region: sandbox.region, apiEndpoint: sandbox.grpcAddress, sandbox: true };
    adapter = new CloudRunTrafficAdapter(target, cloudRunClients(target), { callTimeoutMs: 5000 });
  });

  afterEach(async () => {
    await closeCloudRunClients();
    await sandbox.stop();
  });

  it('reads traffic, what is actually serving, readiness and the etag', async () => {
    const s = await adapter.readService(BACKEND);
    assert.deepEqual(s.traffic, [{ type: 'LATEST', percent: 100 }]);
    assert.deepEqual(s.trafficStatuses, [{ type: 'LATEST', revision: NEW, percent: 100 }]);
    assert.equal(s.ready, true);
    assert.equal(s.reconciling, false);
    assert.equal(s.latestReadyRevision, NEW);
    assert.equal(s.uri, sandbox.group('convex').services[0]?.url);
    assert.equal(s.etag, sandbox.view(BACKEND).etag);
  });

  it('lists revisions newest first by creation time, with readiness read from the Ready condition by type', async () => {
    sandbox.setRevisionReady(BACKEND, OLD, false, 'Container failed to start.');
    const revisions = await adapter.listRevisions(BACKEND);
    assert.deepEqual(revisions.map((r) => r.name), [NEW, OLD]);
    assert.ok((revisions[0]?.createTimeMs ?? 0) > (revisions[1]?.createTimeMs ?? 0));
    assert.equal(revisions[0]?.ready, true);
    assert.equal(revisions[1]?.ready, false);
    assert.match(revisions[1]?.readyDetail ?? '', /CONDITION_FAILED: Container failed to start/);
  });

  it('applies an allocation with update_mask traffic and the etag read, waits for the operation, and the router switches', async () => {
    const before = await adapter.readService(BACKEND);
    const pinned: TrafficAllocation = [{ type: 'REVISION', revision: OLD, percent: 100 }];
    const after = await adapter.applyAllocation(BACKEND, pinned, before.etag);
    assert.deepEqual(after.traffic, pinned);
    assert.deepEqual(after.trafficStatuses, [{ type: 'REVISION', revision: OLD, percent: 100 }]);
    assert.equal(after.reconciling, false);
    assert.equal(after.observedGeneration, after.generation);
    assert.notEqual(after.etag, before.etag);
    const [update] = sandbox.calls({ method: 'UpdateService', service: BACKEND });
    assert.deepEqual(update?.updateMask, ['traffic']);
    assert.equal(update?.etag, before.etag);
    const sw = await sandbox.waitForSwitch(BACKEND, (r) => r.routing.weights[0]?.revision === OLD);
    assert.equal(sw.generation, after.generation);
    const res = await fetch(before.uri);
    assert.equal(res.headers.get('x-serving-revision'), OLD);
  });

  it('keeps split traffic, LATEST and tags exactly, and serves a tag on its own URL and by Host header', async () => {
    const before = await adapter.readService(BACKEND);
    const canary: TrafficAllocation = [
      { type: 'REVISION', revision: OLD, percent: 90, tag: 'stable' },
      { type: 'LATEST', percent: 10, tag: 'canary' },
    ];
    const after = await adapter.applyAllocation(BACKEND, canary, before.etag);
    assert.deepEqual(after.traffic, canary);
    const canaryStatus = after.trafficStatuses.find((t) => t.tag === 'canary');
    assert.equal(canaryStatus?.revision, NEW);
    assert.ok(canaryStatus?.uri, 'a tag has its own URL');
    await sandbox.waitForSwitch(BACKEND, (r) => r.routing.weights.length === 2);
    const viaTagUrl = await fetch(canaryStatus.uri);
    assert.equal(viaTagUrl.headers.get('x-serving-revision'), NEW);
    const seen: string[] = [];
    for (let i = 0; i < 10; i++) seen.push((await fetch(after.uri)).headers.get('x-serving-revision') ?? '');
    assert.equal(seen.filter((r) => r === OLD).length, 9, `90/10 split over 10 requests: ${seen.join(',')}`);
    const viaHost = await new Promise<string | undefined>((resolve, reject) => {
      const url = new URL(after.uri);
      const req = http.request({ host: url.hostname, port: url.port, path: '/', headers: { host: 'stable---oa-convex-backend-sandbox.local' } }, (res) => {
        res.resume();
        resolve(res.headers['x-serving-revision'] as string | undefined);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(viaHost, OLD);
  });

  it('turns a stale etag (ABORTED) into a retryable conflict and changes nothing', async () => {
    const before = await adapter.readService(BACKEND);
    sandbox.staleEtag(BACKEND);
    await rejectsWith(adapter.applyAllocation(BACKEND, [{ type: 'REVISION', revision: OLD, percent: 100 }], before.etag), TrafficFailure.conflict, false, /ABORTED.*oa-convex-backend-sandbox/);
    assert.deepEqual(sandbox.view(BACKEND).traffic, [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', revision: '', percent: 100, tag: '' }]);
  });

  it('turns UNAVAILABLE into a retryable failure at once (no hidden client retries)', async () => {
    sandbox.unavailableBurst(1, ['GetService']);
    await rejectsWith(adapter.readService(BACKEND), TrafficFailure.unavailable, false, /UNAVAILABLE/);
    assert.equal((await adapter.readService(BACKEND)).ready, true, 'the burst is over after one call');
  });

  it('rejects invalid traffic as non-retryable INVALID_ARGUMENT', async () => {
    const before = await adapter.readService(BACKEND);
    await rejectsWith(adapter.applyAllocation(BACKEND, [{ type: 'REVISION', revision: OLD, percent: 50 }], before.etag), TrafficFailure.invalidArgument, true, /add up to 100/);
  });

  it('reports an unknown service as non-retryable NOT_FOUND naming project, region and service', async () => {
    await rejectsWith(adapter.readService('oa-no-such-service'), TrafficFailure.notFound, true, /oa-no-such-service.*project drillctl-sandbox.*us-central1/);
  });

  it('reports PERMISSION_DENIED as non-retryable with the role to grant', async () => {
    const before = await adapter.readService(BACKEND);
    sandbox.failUpdates(BACKEND, { code: grpc.status.PERMISSION_DENIED, message: 'Permission run.services.update denied' });
    await rejectsWith(adapter.applyAllocation(BACKEND, [{ type: 'REVISION', revision: OLD, percent: 100 }], before.etag), TrafficFailure.permissionDenied, true, /roles\/run\.developer/);
  });

  it('reports a failed operation, and what is serving stays as it was', async () => {
    const before = await adapter.readService(BACKEND);
    sandbox.failOperations(BACKEND, 1);
    await rejectsWith(adapter.applyAllocation(BACKEND, [{ type: 'REVISION', revision: OLD, percent: 100 }], before.etag), TrafficFailure.operationFailed, true, /traffic change of service/);
    const after = await adapter.readService(BACKEND);
    assert.equal(after.ready, false);
    assert.deepEqual(after.trafficStatuses, before.trafficStatuses);
    assert.deepEqual(sandbox.view(BACKEND).routing.weights, [{ revision: NEW, percent: 100 }]);
  });

  it('fails the operation when traffic goes to a revision that is not Ready', async () => {
    sandbox.setRevisionReady(BACKEND, OLD, false);
    const before = await adapter.readService(BACKEND);
    await rejectsWith(adapter.applyAllocation(BACKEND, [{ type: 'REVISION', revision: OLD, percent: 100 }], before.etag), TrafficFailure.operationFailed, true, /not ready/);
  });

  it('waits through a slow operation', async () => {
    sandbox.slowOperations(1500, BACKEND);
    const before = await adapter.readService(BACKEND);
    const after = await adapter.applyAllocation(BACKEND, [{ type: 'REVISION', revision: OLD, percent: 100 }], before.etag);
    assert.equal(after.reconciling, false);
    assert.ok(sandbox.calls({ method: 'GetOperation' }).length >= 2, 'the client polled the operation');
  });

  it('refuses an emulator endpoint outside a sandbox environment', () => {
    assert.throws(() => cloudRunClientOptions({ ...target, sandbox: false }), (err: ApplicationFailure) => err.type === TrafficFailure.configInvalid && /not a sandbox/.test(err.message));
    assert.deepEqual(cloudRunClientOptions({ project: 'p', region: 'r', sandbox: false }), { projectId: 'p' });
  });
});
