import assert from 'node:assert/strict';
import { ReplayConfigSchema } from '../../src/domain/config/schema';
import { expandArgvTemplate, ArgvTemplateError, templatePlaceholders } from '../../src/domain/reproject/argv-template';
import { canonicalJson } from '../../src/domain/reproject/canonical-json';
import { replayFixtureIds } from '../../src/domain/reproject/fixture-ids';
import { EntityHistorySchema, type RunHistory, type WorkerHistory } from '../../src/domain/reproject/history';
import { decideParity, projectionDifferences } from '../../src/domain/reproject/parity';
import { summarizeRun, summarizeWorker } from '../../src/domain/reproject/summary';
import { summaryHash } from '../../src/domain/reproject/summary-hash';
import { decideProjectionWrite, type ProjectionCheckpoint } from '../../src/domain/reproject/write-decision';

// The G7 replay's fixtures as the runtime's history holds them.
const T = (s: number): string => new Date(Date.UTC(2026, 1, 19, 15, 44, s)).toISOString();
const runHistory: RunHistory = {
  scope: 'run',
  run: { run_id: 'g7_drill_run_8130', thread_id: 'thread_g7_drill_run_8130', status: 'succeeded', owner_user_id: 9901, owner_guest_scope: null, latest_seq: 3, created_at: T(0), updated_at: T(3) },
  events: [
    { seq: 1, event_type: 'run.started', payload: {}, inserted_at: T(1) },
    { seq: 2, event_type: 'run.delta', payload: { delta: 'g7 drill' }, inserted_at: T(2) },
    { seq: 3, event_type: 'run.finished', payload: { status: 'succeeded', reason_class: 'drill' }, inserted_at: T(3) },
  ],
};
const workerHistory: WorkerHistory = {
  scope: 'codex_worker',
  worker: {
    worker_id: 'g7_drill_worker_8130', status: 'stopped', owner_user_id: 9901, owner_guest_scope: null, adapter: 'desktop_bridge', workspace_ref: null, codex_home_ref: null,
    metadata: {}, latest_seq: 3, started_at: T(4), stopped_at: T(6), last_heartbeat_at: T(5), created_at: T(4), updated_at: T(6),
  },
  events: [
    { seq: 1, event_type: 'worker.started', payload: {}, inserted_at: T(4) },
    { seq: 2, event_type: 'worker.heartbeat', payload: { source: 'g7-drill' }, inserted_at: T(5) },
    { seq: 3, event_type: 'worker.stopped', payload: { reason: 'drill_done' }, inserted_at: T(6) },
  ],
};

describe('projection summaries', () => {
  it('summarises a run from its row and events', () => {
    const s = summarizeRun(runHistory, { projectedAt: T(10) });
    assert.equal(s.document_id, 'runtime/run_summary:g7_drill_run_8130');
    assert.equal(s.status, 'succeeded');
    assert.equal(s.event_count, 3);
    assert.equal(s.latest_event_type, 'run.finished');
    assert.equal(s.terminal_reason_class, 'drill');
    assert.deepEqual(s.runtime_source, { entity: 'run', run_id: 'g7_drill_run_8130', seq: 3 });
    assert.equal(s.projection_version, 'convex_summary_v1');
  });

  it('summarises a codex worker with its lifecycle times', () => {
    const s = summarizeWorker(workerHistory, { projectedAt: T(10) });
    assert.equal(s.document_id, 'runtime/codex_worker_summary:g7_drill_worker_8130');
    assert.equal(s.adapter, 'desktop_bridge');
    assert.equal(s.last_heartbeat_at, T(5));
    assert.equal(s.latest_event_type, 'worker.stopped');
  });

  it('hashes content, not the projection time nor store fields nor key order', () => {
    const a = summarizeRun(runHistory, { projectedAt: T(10) });
    const b = summarizeRun(runHistory, { projectedAt: T(50) });
    assert.equal(summaryHash(a), summaryHash(b));
    const reordered = Object.fromEntries(Object.entries(a).reverse());
    assert.equal(summaryHash({ ...reordered, _id: 'k57abc', _creationTime: 1, key: 'g7_drill_run_8130' }), summaryHash(a));
    assert.notEqual(summaryHash({ ...a, status: 'failed' }), summaryHash(a));
    assert.notEqual(summaryHash({ ...a, runtime_source: { entity: 'run', run_id: 'g7_drill_run_8130', seq: 2 } }), summaryHash(a));
  });

  it('changes with history', () => {
    const longer: RunHistory = { ...runHistory, events: [...runHistory.events, { seq: 4, event_type: 'run.delta', payload: {}, inserted_at: T(9) }] };
    assert.notEqual(summaryHash(summarizeRun(longer, { projectedAt: T(10) })), summaryHash(summarizeRun(runHistory, { projectedAt: T(10) })));
  });

  it('canonical JSON sorts keys at every depth and drops undefined', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: null }], c: undefined } }), '{"a":{"d":[2,{"y":null,"z":1}]},"b":1}');
  });

  it('validates exported history', () => {
    assert.equal(EntityHistorySchema.safeParse(runHistory).success, true);
    assert.equal(EntityHistorySchema.safeParse({ ...runHistory, events: [{ seq: 0, event_type: '', payload: {}, inserted_at: T(1) }] }).success, false);
    assert.equal(EntityHistorySchema.safeParse({ scope: 'thread', events: [] }).success, false);
  });
});

describe('decideProjectionWrite (the runtime write decision)', () => {
  const cp = (over: Partial<ProjectionCheckpoint> = {}): ProjectionCheckpoint => ({
    projectionName: 'run_summary', entityId: 'r1', documentId: 'runtime/run_summary:r1', lastRuntimeSeq: 3, projectionVersion: 'convex_summary_v1', summaryHash: 'h', lastProjectedAt: T(1), ...over,
  });
  const next = { seq: 3, projectionVersion: 'convex_summary_v1', summaryHash: 'h' };

  it('writes without a checkpoint', () => assert.deepEqual(decideProjectionWrite(undefined, next), { action: 'write', write: 'applied', drift: false }));
  it('skips with drift when the checkpoint is ahead', () => assert.deepEqual(decideProjectionWrite(cp({ lastRuntimeSeq: 4 }), next), { action: 'skip', write: 'skipped', reason: 'checkpoint_ahead', drift: true }));
  it('skips idempotently on the same seq, version and hash', () => assert.deepEqual(decideProjectionWrite(cp(), next), { action: 'skip', write: 'skipped', reason: 'idempotent', drift: false }));
  it('writes with drift on a hash mismatch', () => assert.deepEqual(decideProjectionWrite(cp({ summaryHash: 'other' }), next), { action: 'write', write: 'applied', reason: 'summary_hash_mismatch', drift: true }));
  it('writes with drift on a version change', () => assert.deepEqual(decideProjectionWrite(cp({ projectionVersion: 'convex_summary_v0' }), next), { action: 'write', write: 'applied', reason: 'projection_version_changed', drift: true }));
  it('writes when the checkpoint is behind', () => assert.deepEqual(decideProjectionWrite(cp({ lastRuntimeSeq: 2, summaryHash: 'old' }), next), { action: 'write', write: 'applied', drift: false }));
});

describe('parity', () => {
  const same = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);
  it('names the fields that differ with both values', () => {
    const diffs = projectionDifferences({ status: 'succeeded', n: 1, gone: true }, { status: 'failed', n: 1 }, same);
    assert.deepEqual(diffs, [{ field: 'gone', history: 'true', convex: '(absent)' }, { field: 'status', history: '"succeeded"', convex: '"failed"' }]);
  });
  it('decides match, drift, missing and stale', () => {
    const base = { expectedHash: 'h', differences: [], clockSkewMs: 0 };
    assert.equal(decideParity({ ...base }).status, 'missing');
    assert.equal(decideParity({ ...base, actualHash: 'x' }).status, 'drift');
    assert.equal(decideParity({ ...base, actualHash: 'h', projectedAt: T(5), notBeforeMs: Date.parse(T(4)) }).status, 'match');
    assert.equal(decideParity({ ...base, actualHash: 'h', projectedAt: T(3), notBeforeMs: Date.parse(T(4)) }).status, 'stale');
    assert.equal(decideParity({ ...base, clockSkewMs: 2000, actualHash: 'h', projectedAt: T(3), notBeforeMs: Date.parse(T(4)) }).status, 'match');
    assert.equal(decideParity({ ...base, actualHash: 'h', projectedAt: 'not a time', notBeforeMs: 1 }).status, 'stale');
  });
});

describe('replayFixtureIds', () => {
  it('derives the same ids from the same workflow and different ids from another', () => {
    const a = replayFixtureIds('replay-sandbox-20260219t154400000z');
    assert.deepEqual(a, replayFixtureIds('replay-sandbox-20260219t154400000z'));
    assert.match(a.runId, /^drillctl_drill_run_[0-9a-f]{16}$/);
    assert.equal(a.workerId, `drillctl_drill_worker_${a.suffix}`);
    assert.notEqual(replayFixtureIds('replay-sandbox-20260219t154400001z').suffix, a.suffix);
    assert.equal(replayFixtureIds('w', 'g7_drill').runId.startsWith('g7_drill_run_'), true);
  });
});

describe('expandArgvTemplate', () => {
  it('substitutes into whole arguments, never through a shell', () => {
    assert.deepEqual(expandArgvTemplate(['mix', 'runtime.convex.reproject', '--run-id', '{id}'], { id: 'g7_drill_run_8130' }), ['mix', 'runtime.convex.reproject', '--run-id', 'g7_drill_run_8130']);
    assert.deepEqual(expandArgvTemplate(['seed', '--ids={runId},{workerId}'], { runId: 'r', workerId: 'w' }), ['seed', '--ids=r,w']);
  });
  it('refuses unknown placeholders and values that could be flags or shell', () => {
    assert.throws(() => expandArgvTemplate(['x', '{runid}'], { id: 'a' }), ArgvTemplateError);
    assert.throws(() => expandArgvTemplate(['x', '{id}'], { id: '--all' }), /not a safe argument/);
    assert.throws(() => expandArgvTemplate(['x', '{id}'], { id: 'a; rm -rf /' }), /not a safe argument/);
    assert.throws(() => expandArgvTemplate([], { id: 'a' }), /empty/);
  });
  it('lists placeholders', () => assert.deepEqual(templatePlaceholders(['a', '{runId}', '{workerId}-{runId}']), ['runId', 'workerId']));
});

describe('replay config', () => {
  it('defaults to the runtime\'s reproject task, and states the runtime env without secrets', () => {
    const replay = ReplayConfigSchema.parse({ env: { MIX_ENV: 'prod' } });
    assert.deepEqual(replay.reprojectRun, ['mix', 'runtime.convex.reproject', '--run-id', '{id}']);
    assert.deepEqual(replay.env, { MIX_ENV: 'prod' });
    assert.equal(ReplayConfigSchema.safeParse({ env: { CONVEX_ADMIN_KEY: 'x' } }).success, false);
    assert.equal(ReplayConfigSchema.safeParse({ env: { 'mix env': 'x' } }).success, false);
    assert.equal(ReplayConfigSchema.safeParse({ projections: { url: 'http://127.0.0.1:3210', adminKey: 'sk-inline-secret' } }).success, false);
  });
});
