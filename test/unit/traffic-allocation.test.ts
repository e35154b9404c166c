import assert from 'node:assert/strict';
import {
  allocationsEqual,
  describeAllocation,
  describeServing,
  readinessOf,
  readinessOfCondition,
  servingShares,
  snapshotAllocation,
  toApiTraffic,
  trafficSettled,
  TrafficParseError,
  type ServiceSnapshot,
  type TrafficAllocation,
} from '../../src/domain/traffic';

const LATEST = 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST';
const REVISION = 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION';

function snapshot(over: Partial<ServiceSnapshot> = {}): ServiceSnapshot {
  return {
    service: 'svc',
    uri: 'http://127.0.0.1:1',
    etag: '"e"',
    generation: 3,
    observedGeneration: 3,
    reconciling: false,
    ready: true,
    readyDetail: 'Ready',
    traffic: [{ type: 'LATEST', percent: 100 }],
    trafficStatuses: [{ type: 'LATEST', revision: 'svc-00002-b', percent: 100 }],
    latestReadyRevision: 'svc-00002-b',
    ...over,
  };
}

describe('traffic allocation snapshot', () => {
  it('keeps types, percents, tags and order exactly, from getService string enums with defaults filled in', () => {
    const raw = [
      { type: REVISION, revision: 'svc-00001-a', percent: 90, tag: 'stable' },
      { type: LATEST, revision: '', percent: 10, tag: 'canary' },
      { type: REVISION, revision: 'svc-00000-z', percent: 0, tag: 'old' },
    ];
    assert.deepEqual(snapshotAllocation(raw), [
      { type: 'REVISION', revision: 'svc-00001-a', percent: 90, tag: 'stable' },
      { type: 'LATEST', percent: 10, tag: 'canary' },
      { type: 'REVISION', revision: 'svc-00000-z', percent: 0, tag: 'old' },
    ]);
  });

  it('reads LRO results too: numeric enums, absent defaults', () => {
    assert.deepEqual(snapshotAllocation([{ type: 2, revision: 'svc-00001-a', percent: 100 }, { type: 1, tag: 'latest' }]), [
      { type: 'REVISION', revision: 'svc-00001-a', percent: 100 },
      { type: 'LATEST', percent: 0, tag: 'latest' },
    ]);
  });

  it('treats an empty traffic list as Cloud Run does: LATEST at 100%', () => {
    assert.deepEqual(snapshotAllocation([]), [{ type: 'LATEST', percent: 100 }]);
    assert.deepEqual(snapshotAllocation(undefined), [{ type: 'LATEST', percent: 100 }]);
  });

  it('shortens a full revision resource name to the revision id', () => {
    assert.deepEqual(snapshotAllocation([{ type: REVISION, revision: 'projects/p/locations/r/services/svc/revisions/svc-00001-a', percent: 100 }]), [
      { type: 'REVISION', revision: 'svc-00001-a', percent: 100 },
    ]);
  });

  it('refuses what it cannot restore faithfully', () => {
    assert.throws(() => snapshotAllocation([{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_UNSPECIFIED', percent: 100 }]), TrafficParseError);
    assert.throws(() => snapshotAllocation([{ type: 0, percent: 100 }]), /traffic\[0\]: unsupported traffic type 0/);
    assert.throws(() => snapshotAllocation([{ type: REVISION, revision: '', percent: 100 }]), /REVISION entry without a revision/);
    assert.throws(() => snapshotAllocation([{ type: LATEST, percent: 101 }]), /percent 101/);
    assert.throws(() => snapshotAllocation([{ type: LATEST, percent: 12.5 }]), /percent 12.5/);
  });

  it('round-trips through the API request form', () => {
    const a: TrafficAllocation = [
      { type: 'REVISION', revision: 'svc-00001-a', percent: 90, tag: 'stable' },
      { type: 'LATEST', percent: 10 },
    ];
    assert.deepEqual(toApiTraffic(a), [
      { type: REVISION, revision: 'svc-00001-a', percent: 90, tag: 'stable' },
      { type: LATEST, revision: '', percent: 10, tag: '' },
    ]);
    assert.deepEqual(snapshotAllocation(toApiTraffic(a)), a);
  });
});

describe('allocationsEqual ("traffic restored")', () => {
  const base: TrafficAllocation = [
    { type: 'REVISION', revision: 'a', percent: 90, tag: 'stable' },
    { type: 'LATEST', percent: 10 },
  ];
  it('ignores entry order, which Cloud Run gives no meaning', () => {
    assert.equal(allocationsEqual(base, [...base].reverse()), true);
  });
  it('sees a pinned revision as different from LATEST, even when LATEST resolves to it', () => {
    assert.equal(allocationsEqual([{ type: 'LATEST', percent: 100 }], [{ type: 'REVISION', revision: 'b', percent: 100 }]), false);
  });
  it('sees a lost, added or renamed tag', () => {
    assert.equal(allocationsEqual(base, [{ type: 'REVISION', revision: 'a', percent: 90 }, { type: 'LATEST', percent: 10 }]), false);
    assert.equal(allocationsEqual(base, [{ type: 'REVISION', revision: 'a', percent: 90, tag: 'prod' }, { type: 'LATEST', percent: 10 }]), false);
    assert.equal(allocationsEqual(base, [...base, { type: 'REVISION', revision: 'a', percent: 0, tag: 'x' }]), false);
  });
  it('sees a changed percent or revision', () => {
    assert.equal(allocationsEqual(base, [{ type: 'REVISION', revision: 'a', percent: 80, tag: 'stable' }, { type: 'LATEST', percent: 20 }]), false);
    assert.equal(allocationsEqual(base, [{ type: 'REVISION', revision: 'c', percent: 90, tag: 'stable' }, { type: 'LATEST', percent: 10 }]), false);
  });
  it('compares duplicates as a multiset', () => {
    const dup: TrafficAllocation = [{ type: 'REVISION', revision: 'a', percent: 50 }, { type: 'REVISION', revision: 'a', percent: 50 }];
    assert.equal(allocationsEqual(dup, [{ type: 'REVISION', revision: 'a', percent: 50 }, { type: 'REVISION', revision: 'a', percent: 50 }]), true);
    assert.equal(allocationsEqual(dup, [{ type: 'REVISION', revision: 'a', percent: 100 }]), false);
  });
  it('describes an allocation for people', () => {
    assert.equal(describeAllocation(base), 'a 90% #stable, LATEST 10%');
  });
});

describe('what is serving', () => {
  it('merges shares per revision, skips 0% tag-only entries and resolves LATEST from traffic_statuses', () => {
    const s = snapshot({
      trafficStatuses: [
        { type: 'REVISION', revision: 'svc-00001-a', percent: 90, tag: 'stable' },
        { type: 'LATEST', revision: 'svc-00002-b', percent: 10, tag: 'canary' },
        { type: 'REVISION', revision: 'svc-00000-z', percent: 0, tag: 'old' },
      ],
    });
    assert.deepEqual(servingShares(s), [
      { revision: 'svc-00001-a', percent: 90 },
      { revision: 'svc-00002-b', percent: 10 },
    ]);
    assert.equal(describeServing(servingShares(s)), 'svc-00001-a 90%, svc-00002-b 10%');
  });
  it('falls back to latest_ready_revision when a LATEST status names no revision', () => {
    assert.deepEqual(servingShares(snapshot({ trafficStatuses: [{ type: 'LATEST', revision: '', percent: 100 }] })), [{ revision: 'svc-00002-b', percent: 100 }]);
    assert.equal(describeServing(servingShares(snapshot())), 'svc-00002-b');
    assert.equal(describeServing([]), '(nothing serving)');
  });
  it('is settled only when not reconciling, fully observed, Ready, and routed as specified', () => {
    assert.equal(trafficSettled(snapshot()), true);
    assert.equal(trafficSettled(snapshot({ reconciling: true })), false);
    assert.equal(trafficSettled(snapshot({ observedGeneration: 2 })), false);
    assert.equal(trafficSettled(snapshot({ ready: false })), false);
    assert.equal(trafficSettled(snapshot({ traffic: [{ type: 'REVISION', revision: 'svc-00001-a', percent: 100 }] })), false, 'statuses still show the old routing');
  });
});

describe('Cloud Run readiness', () => {
  it('reads the Ready condition by type, wherever it is in the list', () => {
    const conditions = [
      { type: 'ResourcesAvailable', state: 'CONDITION_SUCCEEDED' },
      { type: 'ContainerHealthy', state: 'CONDITION_FAILED', message: 'crash' },
      { type: 'Ready', state: 'CONDITION_FAILED', message: 'Container failed to start.' },
    ];
    assert.deepEqual(readinessOf(conditions), { ready: false, detail: 'CONDITION_FAILED: Container failed to start.' });
    assert.deepEqual(readinessOf([{ type: 'ResourcesAvailable', state: 'CONDITION_FAILED' }, { type: 'Ready', state: 'CONDITION_SUCCEEDED' }]), { ready: true, detail: 'Ready' });
  });
  it('never takes another condition for Ready', () => {
    assert.deepEqual(readinessOf([{ type: 'RoutesReady', state: 'CONDITION_SUCCEEDED' }]), { ready: false, detail: 'no Ready condition reported' });
    assert.equal(readinessOf(undefined).ready, false);
  });
  it('understands numeric states (LRO results) and says which state it is in', () => {
    assert.equal(readinessOfCondition({ type: 'Ready', state: 4 }).ready, true);
    assert.deepEqual(readinessOfCondition({ type: 'Ready', state: 2 }), { ready: false, detail: 'CONDITION_RECONCILING' });
  });
});
