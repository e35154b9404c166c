import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startConvexStandIn, type ConvexStandIn } from '../../src/sandbox/convex/convex-stand-in';
import { readSnapshotZip } from '../../src/sandbox/convex/snapshot-zip';
import { runConvexCli } from '../support/convex-cli';

const KEY_A = 'stand-in-a|0123456789abcdef';
const KEY_B = 'stand-in-b|fedcba9876543210';

async function call(s: ConvexStandIn, kind: 'query' | 'mutation', fn: string, args: unknown, key = KEY_A): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${s.url}/api/${kind}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Convex ${key}` },
    body: JSON.stringify({ path: fn, args, format: 'json' }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('Convex stand-in', function () {
  let root: string;
  let a: ConvexStandIn;
  let b: ConvexStandIn;

  beforeEach(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'convex-stand-in-'));
    a = await startConvexStandIn({ dataDir: path.join(root, 'a'), adminKey: KEY_A });
    b = await startConvexStandIn({ dataDir: path.join(root, 'b'), adminKey: KEY_B });
  });

  afterEach(async () => {
    await a.stop();
    await b.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('answers health routes like a real backend and unsupported routes with 400, not 404', async () => {
    assert.match(await (await fetch(`${a.url}/`)).text(), /This Convex deployment is running\./);
    const version = await fetch(`${a.url}/version`);
    assert.equal(version.status, 200);
    assert.notEqual((await version.text()).trim(), '');
    const unknown = await fetch(`${a.url}/api/list_snapshot`, { headers: { authorization: `Convex ${KEY_A}` } });
    assert.equal(unknown.status, 400);
  });

  it('implements the projection contract: upsert, get, list, remove, with the HTTP API answers', async () => {
    const up = await call(a, 'mutation', 'drillProjections:upsert', { table: 'run_summaries', key: 'run-1', doc: { status: 'ok', events: 3 } });
    assert.deepEqual(up, { status: 200, body: { status: 'success', value: null, logLines: [] } });
    await call(a, 'mutation', 'drillProjections:upsert', { table: 'run_summaries', key: 'run-1', doc: { status: 'replayed', events: 4 } });
    await call(a, 'mutation', 'drillProjections:upsert', { table: 'codex_worker_summaries', key: 'w-1', doc: { state: 'idle' } });
    const got = await call(a, 'query', 'drillProjections:get', { table: 'run_summaries', key: 'run-1' });
    assert.deepEqual(got.body.value, { status: 'replayed', events: 4, key: 'run-1' });
    assert.deepEqual(a.tables(), { codex_worker_summaries: 1, run_summaries: 1 });
    const list = await call(a, 'query', 'drillProjections:list', { table: 'codex_worker_summaries' });
    assert.deepEqual(list.body.value, [{ state: 'idle', key: 'w-1' }]);
    assert.equal((await call(a, 'mutation', 'drillProjections:remove', { table: 'run_summaries', key: 'run-1' })).body.value, true);
    assert.equal((await call(a, 'mutation', 'drillProjections:remove', { table: 'run_summaries', key: 'run-1' })).body.value, false);
    assert.equal((await call(a, 'query', 'drillProjections:get', { table: 'run_summaries', key: 'run-1' })).body.value, null);
  });

  it('refuses a wrong admin key, unknown functions and bad arguments, and fails mutations on demand', async () => {
    const bad = await call(a, 'query', 'drillProjections:list', { table: 'run_summaries' }, 'wrong');
    assert.equal(bad.status, 401);
    assert.equal(bad.body.code, 'BadAdminKey');
    const unknown = await call(a, 'query', 'drillProjections:nope', {});
    assert.deepEqual(unknown, { status: 400, body: { status: 'error', errorMessage: "Could not find function for 'drillProjections:nope'" } });
    const system = await call(a, 'mutation', 'drillProjections:upsert', { table: '_exports', key: 'k', doc: {} });
    assert.equal(system.status, 400);
    a.failMutations('disk full');
    const failed = await call(a, 'mutation', 'drillProjections:upsert', { table: 'run_summaries', key: 'k', doc: {} });
    assert.deepEqual(failed, { status: 500, body: { status: 'error', errorMessage: 'disk full' } });
    a.clearFaults();
    assert.equal((await call(a, 'mutation', 'drillProjections:upsert', { table: 'run_summaries', key: 'k', doc: {} })).status, 200);
    assert.equal(a.stats().unauthorized, 1);
  });

  it('keeps its tables across a restart on the same data folder', async () => {
    a.seed('canaries', [{ n: 1, big: 2n ** 60n }]);
    await call(a, 'mutation', 'drillProjections:upsert', { table: 'run_summaries', key: 'run-9', doc: { ok: true } });
    const lines = a.documentLines('canaries');
    await a.stop();
    a = await startConvexStandIn({ dataDir: path.join(root, 'a'), adminKey: KEY_A });
    assert.deepEqual(a.documentLines('canaries'), lines);
    assert.deepEqual((await call(a, 'query', 'drillProjections:get', { table: 'run_summaries', key: 'run-9' })).body.value, { ok: true, key: 'run-9' });
  });

  it('lets the real convex CLI export from one deployment and import into another with every line byte for byte', async () => {
    a.seed('messages', [
      { body: 'float one', score: 1, ratio: 0.25 },
      { body: 'int64 beyond 2^53', big: 9007199254740993n },
      { body: 'bytes', raw: new Uint8Array([0, 1, 254, 255]) },
    ]);
    a.seed('users', ['{"_creationTime":1712345678901.5,"_id":"k57abc","name":"Ada","negZero":-0.0,"exp":1e+300}']);
    const zip = path.join(root, 'snapshot.zip');
    const exported = await runConvexCli(['export', '--path', zip], { url: a.url, adminKey: KEY_A });
    assert.equal(exported.code, 0, exported.output);
    assert.match(exported.output, /Downloaded snapshot export to/);
    const tables = await readSnapshotZip(zip);
    assert.deepEqual(tables.map((t) => [t.name, t.lines.length]), [['messages', 3], ['users', 1]]);
    assert.match(tables[0]!.lines[0]!, /"score":1\.0[,}]/);
    assert.match(tables[0]!.lines[1]!, /"big":9007199254740993[,}]/);
    assert.match(tables[0]!.lines[2]!, /"raw":\{"\$bytes":"AAH\+\/w=="\}/);

    const imported = await runConvexCli(['import', '-y', zip], { url: b.url, adminKey: KEY_B });
    assert.equal(imported.code, 0, imported.output);
    assert.match(imported.output, /Added 4 documents\./);
    assert.deepEqual(b.documentLines('messages'), a.documentLines('messages'));
    assert.deepEqual(b.documentLines('users'), ['{"_creationTime":1712345678901.5,"_id":"k57abc","name":"Ada","negZero":-0.0,"exp":1e+300}']);

    // A second default-mode import refuses non-empty tables, as the real backend does.
    const again = await runConvexCli(['import', '-y', zip], { url: b.url, adminKey: KEY_B });
    assert.equal(again.code, 1);
    assert.match(again.output, /already has 3 documents/);
  });

  it('fails, stalls and shortens imports and exports on demand', async () => {
    a.seed('messages', [{ n: 1 }, { n: 2 }]);
    const zip = path.join(root, 'snapshot.zip');
    a.failNextExport();
    const failedExport = await runConvexCli(['export', '--path', zip], { url: a.url, adminKey: KEY_A });
    assert.equal(failedExport.code, 1);
    assert.match(failedExport.output, /Export failed/);
    assert.equal((await runConvexCli(['export', '--path', zip], { url: a.url, adminKey: KEY_A })).code, 0);

    b.failNextImport('Hit an error while importing: disk quota exceeded');
    const failed = await runConvexCli(['import', '-y', zip], { url: b.url, adminKey: KEY_B });
    assert.equal(failed.code, 1);
    assert.match(failed.output, /disk quota exceeded/);
    assert.deepEqual(b.tables(), {});

    b.dropDocumentsOnNextImport(1);
    const short = await runConvexCli(['import', '-y', zip], { url: b.url, adminKey: KEY_B });
    assert.equal(short.code, 0, 'a backend that drops documents still lets the CLI exit 0');
    assert.match(short.output, /Added 1 documents\./);

    b.stallImports();
    const stalled = runConvexCli(['import', '--replace', '-y', zip], { url: b.url, adminKey: KEY_B });
    const deadline = Date.now() + 30_000;
    while (!b.imports().some((i) => i.state === 'in_progress') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(b.imports().some((i) => i.state === 'in_progress'), 'the stalled import is in progress');
    b.releaseImports();
    const done = await stalled;
    assert.equal(done.code, 0, done.output);
    assert.deepEqual(b.tables(), { messages: 2 });
  });
});
