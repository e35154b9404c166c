import assert from 'node:assert/strict';
import { RevisionsClient, ServicesClient } from '@google-cloud/run';
import { grpc } from 'google-gax';
import { cloudRunClientOptions } from '../../src/activities/traffic';
import { seedServiceGroup, seedServiceGroups, startCloudRunSandbox, type CloudRunSandbox } from '../../src/sandbox/cloud-run';
import { cloudRunProtos } from '../../src/sandbox/cloud-run/proto';

const BACKEND = 'oa-convex-backend-sandbox';
const NO_RETRY = { retry: null, timeout: 5000 };

async function grpcCode(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (err) {
    return (err as { code: number }).code;
  }
  return assert.fail('expected a gRPC error');
}

describe('Cloud Run Admin API emulator (unmodified @google-cloud/run clients)', () => {
  let sandbox: CloudRunSandbox;
  let services: ServicesClient;
  let revisions: RevisionsClient;
  let name: string;

  beforeEach(async () => {
    sandbox = await startCloudRunSandbox({ groups: [seedServiceGroup()], propagationDelayMs: 200, operationDelayMs: 200, identityHeader: 'x-serving-revision', migrationWindowMs: 0 });
    const opts = cloudRunClientOptions({ project: sandbox.project, region: sandbox.region, apiEndpoint: sandbox.grpcAddress, sandbox: true });
    services = new ServicesClient(opts);
    revisions = new RevisionsClient(opts);
    name = services.servicePath(sandbox.project, sandbox.region, BACKEND);
  });
  afterEach(async () => {
    await services.close();
    await revisions.close();
    await sandbox.stop();
  });

  it('lists services of the location, paginating to the end', async () => {
    const all: string[] = [];
    for await (const s of services.listServicesAsync({ parent: services.locationPath(sandbox.project, sandbox.region), pageSize: 1 }, NO_RETRY)) all.push(s.name?.split('/').pop() ?? '');
    assert.deepEqual(all.sort(), [BACKEND, 'oa-convex-dashboard-sandbox']);
    assert.equal(sandbox.calls({ method: 'ListServices' }).length, 2, 'two pages of one');
  });

  it('lists revisions with create_time and Ready among other conditions, and gets one by name', async () => {
    const [list] = await revisions.listRevisions({ parent: name }, NO_RETRY);
    assert.equal(list.length, 2);
    assert.ok(list.every((r) => r.createTime?.seconds && r.conditions?.some((c) => c.type === 'Ready')));
    assert.notEqual(list[0]?.conditions?.[0]?.type, 'Ready', 'Ready is not the first condition');
    const [rev] = await revisions.getRevision({ name: `${name}/revisions/${BACKEND}-00010-kpf` }, NO_RETRY);
    assert.equal(rev.service, name);
    assert.equal(await grpcCode(revisions.getRevision({ name: `${name}/revisions/nope` }, NO_RETRY)), grpc.status.NOT_FOUND);
  });

  it('keeps the service reconciling while the operation is open, and resumes an operation by name', async () => {
    const [svc] = await services.getService({ name }, NO_RETRY);
    const [op] = await services.updateService({ service: { name, etag: svc.etag, traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: `${BACKEND}-00010-kpf`, percent: 100 }] }, updateMask: { paths: ['traffic'] } }, NO_RETRY);
    assert.equal(op.done, false);
    const [during] = await services.getService({ name }, NO_RETRY);
    assert.equal(during.reconciling, true);
    assert.equal(during.terminalCondition?.state, 'CONDITION_RECONCILING');
    assert.equal(Number(during.generation), Number(during.observedGeneration) + 1);
    assert.equal(during.trafficStatuses?.[0]?.type, 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', 'statuses lag behind the spec');
    const resumed = await services.checkUpdateServiceProgress(op.name!);
    const [result] = await resumed.promise();
    assert.equal(result.trafficStatuses?.[0]?.revision, `${BACKEND}-00010-kpf`);
    const [after] = await services.getService({ name }, NO_RETRY);
    assert.equal(after.reconciling, false);
    assert.equal(after.observedGeneration, after.generation);
  });

  it('answers WaitOperation with the finished operation and its Service packed with type_url', async () => {
    const [svc] = await services.getService({ name }, NO_RETRY);
    const [op] = await services.updateService({ service: { name, etag: svc.etag, traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }] }, updateMask: { paths: ['traffic'] } }, NO_RETRY);
    const Ops = grpc.makeGenericClientConstructor(cloudRunProtos().operations, 'Operations');
    const raw = new Ops(sandbox.grpcAddress, grpc.credentials.createInsecure()) as unknown as { WaitOperation(req: object, cb: (err: Error | null, res: { done: boolean; response: { type_url: string } }) => void): void; close(): void };
    const done = await new Promise<{ done: boolean; response: { type_url: string } }>((resolve, reject) => raw.WaitOperation({ name: op.name, timeout: { seconds: 5 } }, (err, res) => (err ? reject(err) : resolve(res))));
    raw.close();
    assert.equal(done.done, true);
    assert.equal(done.response.type_url, 'type.googleapis.com/google.cloud.run.v2.Service');
  });

  it('validates like the API: percents, short revision ids, template without a mask, validate_only changes nothing', async () => {
    const [svc] = await services.getService({ name }, NO_RETRY);
    const update = (service: object, mask: string[] | null, extra: object = {}) => services.updateService({ service: { name, ...service }, ...(mask ? { updateMask: { paths: mask } } : {}), ...extra }, NO_RETRY);
    assert.equal(await grpcCode(update({ traffic: [{ type: 2, revision: `${BACKEND}-00010-kpf`, percent: 50 }] }, ['traffic'])), grpc.status.INVALID_ARGUMENT);
    assert.equal(await grpcCode(update({ traffic: [{ type: 2, revision: `${name}/revisions/${BACKEND}-00010-kpf`, percent: 100 }] }, ['traffic'])), grpc.status.INVALID_ARGUMENT);
    assert.equal(await grpcCode(update({ traffic: [{ type: 1, percent: 100, tag: 'a' }, { type: 2, revision: `${BACKEND}-00010-kpf`, percent: 0, tag: 'a' }] }, ['traffic'])), grpc.status.INVALID_ARGUMENT);
    assert.equal(await grpcCode(update({ traffic: [{ type: 1, percent: 100 }] }, null)), grpc.status.INVALID_ARGUMENT, 'no mask and no template');
    assert.equal(await grpcCode(update({ traffic: [{ type: 1, percent: 100 }] }, ['template'])), grpc.status.INVALID_ARGUMENT);
    const [preview] = await update({ etag: svc.etag, traffic: [{ type: 2, revision: `${BACKEND}-00010-kpf`, percent: 100 }] }, ['traffic'], { validateOnly: true });
    assert.equal(preview.done, true);
    const [after] = await services.getService({ name }, NO_RETRY);
    assert.equal(after.etag, svc.etag);
    assert.equal(after.generation, svc.generation);
    assert.equal(sandbox.switches(BACKEND).length, 1, 'only the initial routing');
  });

  it('applies a new allocation on the data plane only after the propagation delay, and records when', async () => {
    sandbox.setPropagationDelay(1000);
    const [svc] = await services.getService({ name }, NO_RETRY);
    const [op] = await services.updateService({ service: { name, etag: svc.etag, traffic: [{ type: 2, revision: `${BACKEND}-00010-kpf`, percent: 100 }] }, updateMask: { paths: ['traffic'] } }, NO_RETRY);
    await op.promise();
    const doneAt = Date.now();
    assert.equal((await fetch(svc.uri!)).headers.get('x-serving-revision'), `${BACKEND}-00011-v4r`, 'the control plane is done, the data plane not yet');
    const sw = await sandbox.waitForSwitch(BACKEND, (r) => r.routing.weights[0]?.revision === `${BACKEND}-00010-kpf`);
    assert.ok(sw.atMs >= doneAt - 50, 'switched after the operation finished');
    assert.equal((await fetch(svc.uri!)).headers.get('x-serving-revision'), `${BACKEND}-00010-kpf`);
  });

  it('injects UNAVAILABLE bursts for chosen methods only', async () => {
    sandbox.unavailableBurst(2, ['ListRevisions']);
    assert.equal((await services.getService({ name }, NO_RETRY))[0].name, name);
    assert.equal(await grpcCode(revisions.listRevisions({ parent: name }, NO_RETRY)), grpc.status.UNAVAILABLE);
    assert.equal(await grpcCode(revisions.listRevisions({ parent: name }, NO_RETRY)), grpc.status.UNAVAILABLE);
    assert.equal((await revisions.listRevisions({ parent: name }, NO_RETRY))[0].length, 2);
  });

  it('accepts an update without an etag (last writer wins) but refuses a stale one with ABORTED', async () => {
    const [svc] = await services.getService({ name }, NO_RETRY);
    const body = { service: { name, traffic: [{ type: 1, percent: 100 }] }, updateMask: { paths: ['traffic'] } };
    const [op] = await services.updateService(body, NO_RETRY);
    await op.promise();
    assert.equal(await grpcCode(services.updateService({ ...body, service: { ...body.service, etag: svc.etag } }, NO_RETRY)), grpc.status.ABORTED);
  });
});

describe('Cloud Run sandbox with many service groups', () => {
  it('starts 50 seed groups on one emulator, each with its own routers and revisions', async () => {
    const sandbox = await startCloudRunSandbox({ groups: seedServiceGroups(50), propagationDelayMs: 0, operationDelayMs: 0, identityHeader: 'x-serving-revision' });
    try {
      assert.equal(sandbox.groups.length, 50);
      const urls = new Set(sandbox.groups.flatMap((g) => g.services.map((s) => s.url)));
      assert.equal(urls.size, 100);
      const last = sandbox.group('convex-49').services[1]!;
      assert.equal(last.service, 'oa-convex-dashboard-sandbox-49');
      const res = await fetch(last.url);
      assert.equal(res.headers.get('x-serving-revision'), 'oa-convex-dashboard-sandbox-49-00002-hwm');
    } finally {
      await sandbox.stop();
    }
  });
});

describe('Cloud Run sandbox defaults (as Cloud Run behaves)', () => {
  let sandbox: CloudRunSandbox;
  afterEach(() => sandbox?.stop());

  const versionOf = async (url: string): Promise<string> => (await fetch(`${url}/version`)).text();

  it('revisions name themselves in no response header unless the identity sidecar mode is on', async () => {
    sandbox = await startCloudRunSandbox({ groups: [seedServiceGroup()] });
    const res = await fetch(sandbox.group('convex').services[0]!.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-serving-revision'), null);
    assert.ok(![...res.headers.values()].some((v) => v.includes(`${BACKEND}-0001`)), 'no header carries the revision name');
    await sandbox.stop();
    sandbox = await startCloudRunSandbox({ groups: [seedServiceGroup()], identityHeader: 'x-k-revision' });
    assert.equal((await fetch(sandbox.group('convex').services[0]!.url)).headers.get('x-k-revision'), `${BACKEND}-00011-v4r`);
  });

  it('migrates gradually: the operation finishes first, then old and new answer at random, the new ever more often, then only the new', async () => {
    sandbox = await startCloudRunSandbox({ groups: [seedServiceGroup()], propagationDelayMs: 0, operationDelayMs: 50, migrationWindowMs: 3000 });
    const opts = cloudRunClientOptions({ project: sandbox.project, region: sandbox.region, apiEndpoint: sandbox.grpcAddress, sandbox: true });
    const services = new ServicesClient(opts);
    const url = sandbox.group('convex').services[0]!.url;
    try {
      const name = services.servicePath(sandbox.project, sandbox.region, BACKEND);
      const [svc] = await services.getService({ name }, NO_RETRY);
      const [op] = await services.updateService({ service: { name, etag: svc.etag, traffic: [{ type: 2, revision: `${BACKEND}-00010-kpf`, percent: 100 }] }, updateMask: { paths: ['traffic'] } }, NO_RETRY);
      await op.promise();
      const [after] = await services.getService({ name }, NO_RETRY);
      assert.equal(after.trafficStatuses?.[0]?.revision?.endsWith(`${BACKEND}-00010-kpf`), true, 'the API reports the new traffic in force');
      const early: string[] = [];
      const late: string[] = [];
      const t0 = Date.now();
      while (Date.now() - t0 < 2600) {
        const v = await versionOf(url);
        (Date.now() - t0 < 1000 ? early : late).push(v);
        await new Promise((r) => setTimeout(r, 20));
      }
      const share = (xs: string[]) => xs.filter((v) => v === `sandbox-${BACKEND}-00010-kpf`).length / xs.length;
      assert.ok(early.includes(`sandbox-${BACKEND}-00011-v4r`), 'the old revision still answers after the operation is done');
      assert.ok(late.includes(`sandbox-${BACKEND}-00010-kpf`), 'the new revision answers during the window');
      assert.ok(share(late) > share(early), `the new share grows (${share(early).toFixed(2)} -> ${share(late).toFixed(2)})`);
      const sw = await sandbox.waitForSwitch(BACKEND, (r) => r.routing.weights[0]?.revision === `${BACKEND}-00010-kpf`, { timeoutMs: 10_000 });
      const inForce = sandbox.inForce(BACKEND).at(-1)!;
      assert.ok(sw.atMs - inForce.atMs >= 2900, 'the data plane finished about one window after the API said done');
      for (let i = 0; i < 20; i++) assert.equal(await versionOf(url), `sandbox-${BACKEND}-00010-kpf`);
    } finally {
      await services.close();
    }
  });
});
