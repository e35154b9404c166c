import assert from 'node:assert/strict';
import { effectiveIdentity, imageServesVersion, versionFallbackReason, versionFromBody } from '../../src/domain/traffic/revision-identity';
import { rtoMeaning } from '../../src/domain/traffic/rto-measurement';
import {
  planRollback,
  planServiceRollback,
  productionGuardProblem,
  resolveRollbackTargets,
  rollbackAllocation,
  rollbackVerdict,
  RollbackTargetError,
  secondsBetween,
  verdictReasons,
  type DrillService,
  type RevisionInfo,
  type TrafficAllocation,
  type TrafficStatus,
} from '../../src/domain/traffic';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 1, 19);

function rev(name: string, day: number, ready = true): RevisionInfo {
  return { name, createTimeMs: T0 + day * DAY, ready, readyDetail: ready ? 'Ready' : 'CONDITION_FAILED: boom' };
}

function service(role: string, id: string, revisions: RevisionInfo[], traffic: TrafficAllocation, statuses: TrafficStatus[]): DrillService {
  const latestReady = [...revisions].sort((a, b) => b.createTimeMs - a.createTimeMs).find((r) => r.ready)?.name;
  return {
    role,
    service: id,
    revisions,
    snapshot: {
      service: id,
      uri: `https://${id}.a.run.app`,
      etag: `"${id}"`,
      generation: 5,
      observedGeneration: 5,
      reconciling: false,
      ready: true,
      readyDetail: 'Ready',
      traffic,
      trafficStatuses: statuses,
      latestReadyRevision: latestReady,
    },
  };
}

/** The G7 group: LATEST 100% on the newer revision of each service. Revisions listed oldest first. */
function seedGroup(): DrillService[] {
  const b = 'oa-backend';
  const d = 'oa-dashboard';
  return [
    service('backend', b, [rev(`${b}-00010-kpf`, 1), rev(`${b}-00011-v4r`, 2)], [{ type: 'LATEST', percent: 100 }], [{ type: 'LATEST', revision: `${b}-00011-v4r`, percent: 100 }]),
    service('dashboard', d, [rev(`${d}-00001-8rs`, 1), rev(`${d}-00002-hwm`, 2)], [{ type: 'LATEST', percent: 100 }], [{ type: 'LATEST', revision: `${d}-00002-hwm`, percent: 100 }]),
  ];
}

function rejects(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RollbackTargetError, String(err));
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    return true;
  });
}

describe('resolveRollbackTargets', () => {
  it('picks, per service, the newest Ready revision created before the serving one (the G7 drill)', () => {
    const t = resolveRollbackTargets('convex', seedGroup());
    assert.deepEqual(
      t.map((x) => [x.service, x.current, x.target, x.targetReason]),
      [
        ['oa-backend', 'oa-backend-00011-v4r', 'oa-backend-00010-kpf', 'newest Ready revision created before oa-backend-00011-v4r'],
        ['oa-dashboard', 'oa-dashboard-00002-hwm', 'oa-dashboard-00001-8rs', 'newest Ready revision created before oa-dashboard-00002-hwm'],
      ],
    );
  });

  it('orders by creation time, never by list order or by name', () => {
    const s = service('backend', 'svc', [rev('svc-b', 3), rev('svc-z', 1), rev('svc-a', 2)], [{ type: 'LATEST', percent: 100 }], [{ type: 'LATEST', revision: 'svc-b', percent: 100 }]);
    assert.equal(resolveRollbackTargets('g', [s])[0]?.target, 'svc-a');
  });

  it('skips revisions that are not Ready (read by condition type upstream)', () => {
    const s = service('backend', 'svc', [rev('svc-1', 1), rev('svc-2', 2, false), rev('svc-3', 3)], [{ type: 'LATEST', percent: 100 }], [{ type: 'LATEST', revision: 'svc-3', percent: 100 }]);
    assert.equal(resolveRollbackTargets('g', [s])[0]?.target, 'svc-1');
  });

  it('never targets a revision newer than the serving one, even if it is Ready', () => {
    const s = service('backend', 'svc', [rev('svc-1', 1), rev('svc-2', 2), rev('svc-3', 3)], [{ type: 'REVISION', revision: 'svc-2', percent: 100 }], [{ type: 'REVISION', revision: 'svc-2', percent: 100 }]);
    assert.equal(resolveRollbackTargets('g', [s])[0]?.target, 'svc-1');
  });

  it('handles split traffic: rolls back from the newest serving revision', () => {
    const s = service(
      'backend',
      'svc',
      [rev('svc-1', 1), rev('svc-2', 2), rev('svc-3', 3)],
      [{ type: 'REVISION', revision: 'svc-2', percent: 90, tag: 'stable' }, { type: 'LATEST', percent: 10, tag: 'canary' }],
      [{ type: 'REVISION', revision: 'svc-2', percent: 90, tag: 'stable' }, { type: 'LATEST', revision: 'svc-3', percent: 10, tag: 'canary' }],
    );
    const [t] = resolveRollbackTargets('g', [s]);
    assert.equal(t?.newestServing, 'svc-3');
    assert.equal(t?.target, 'svc-2');
    assert.equal(t?.current, 'svc-2 90%, svc-3 10%');
  });

  it('resolves LATEST through latest_ready_revision when traffic_statuses do not name it', () => {
    const s = service('backend', 'svc', [rev('svc-1', 1), rev('svc-2', 2)], [{ type: 'LATEST', percent: 100 }], [{ type: 'LATEST', revision: '', percent: 100 }]);
    assert.equal(resolveRollbackTargets('g', [s])[0]?.target, 'svc-1');
  });

  it('takes an explicit target by role, by service id, or as a full resource name', () => {
    const group = seedGroup();
    group[0]!.revisions.unshift(rev('oa-backend-00009-old', 0));
    const t = resolveRollbackTargets('convex', group, { backend: 'oa-backend-00009-old', 'oa-dashboard': 'projects/p/locations/r/services/oa-dashboard/revisions/oa-dashboard-00001-8rs' });
    assert.deepEqual(t.map((x) => [x.target, x.targetReason]), [
      ['oa-backend-00009-old', 'chosen with --target'],
      ['oa-dashboard-00001-8rs', 'chosen with --target'],
    ]);
  });

  it('accepts an explicit target that already has a share of a split: the rollback gives it 100%', () => {
    const s = service('backend', 'svc', [rev('svc-1', 1), rev('svc-2', 2)], [{ type: 'REVISION', revision: 'svc-1', percent: 50 }, { type: 'REVISION', revision: 'svc-2', percent: 50 }], [
      { type: 'REVISION', revision: 'svc-1', percent: 50 },
      { type: 'REVISION', revision: 'svc-2', percent: 50 },
    ]);
    assert.equal(resolveRollbackTargets('g', [s], { backend: 'svc-2' })[0]?.target, 'svc-2');
  });

  it('refuses an unknown service, naming the group and its services', () => {
    rejects(() => resolveRollbackTargets('convex', seedGroup(), { 'oa-nope': 'x' }), 'UnknownService', /service group convex has no service "oa-nope"; use a role or service id of the group: backend \(oa-backend\), dashboard \(oa-dashboard\)/);
  });

  it('refuses a target equal to what serves now, with the fix', () => {
    rejects(() => resolveRollbackTargets('convex', seedGroup(), { backend: 'oa-backend-00011-v4r' }), 'TargetEqualsCurrent', /revision oa-backend-00011-v4r already serves 100% of service oa-backend: a rollback to it changes nothing; choose an older revision with --target backend=<revision>/);
  });

  it('refuses an explicit target that does not exist or is not Ready', () => {
    rejects(() => resolveRollbackTargets('convex', seedGroup(), { dashboard: 'oa-dashboard-00099-xxx' }), 'TargetRevisionNotFound', /service oa-dashboard has no revision oa-dashboard-00099-xxx; choose one of: oa-dashboard-00002-hwm, oa-dashboard-00001-8rs/);
    const group = seedGroup();
    group[1]!.revisions[0] = rev('oa-dashboard-00001-8rs', 1, false);
    rejects(() => resolveRollbackTargets('convex', group, { dashboard: 'oa-dashboard-00001-8rs' }), 'TargetRevisionNotReady', /revision oa-dashboard-00001-8rs of service oa-dashboard is not Ready \(CONDITION_FAILED: boom\)/);
  });

  it('refuses when no Ready revision is older than the serving one', () => {
    const group = seedGroup();
    group[1]!.revisions[0] = rev('oa-dashboard-00001-8rs', 1, false);
    rejects(() => resolveRollbackTargets('convex', group), 'NoReadyOlderRevision', /service oa-dashboard has no Ready revision older than oa-dashboard-00002-hwm; pass --target dashboard=<revision> to choose one/);
    const single = service('backend', 'solo', [rev('solo-1', 1)], [{ type: 'LATEST', percent: 100 }], [{ type: 'LATEST', revision: 'solo-1', percent: 100 }]);
    rejects(() => resolveRollbackTargets('g', [single]), 'NoReadyOlderRevision', /no Ready revision older than solo-1/);
  });

  it('refuses a service that routes nothing', () => {
    const s = service('backend', 'svc', [rev('svc-1', 1)], [{ type: 'REVISION', revision: 'svc-1', percent: 0, tag: 'x' }], []);
    rejects(() => resolveRollbackTargets('g', [s]), 'NothingServing', /service svc routes no traffic/);
  });
});

describe('rollback plan', () => {
  it('sends 100% to the target and keeps every tag where it pointed, at 0% (gcloud --to-revisions T=100)', () => {
    const original: TrafficAllocation = [
      { type: 'REVISION', revision: 'svc-2', percent: 80, tag: 'stable' },
      { type: 'REVISION', revision: 'svc-1', percent: 10 },
      { type: 'LATEST', percent: 10, tag: 'canary' },
    ];
    assert.deepEqual(rollbackAllocation(original, 'svc-1'), [
      { type: 'REVISION', revision: 'svc-1', percent: 100 },
      { type: 'REVISION', revision: 'svc-2', percent: 0, tag: 'stable' },
      { type: 'LATEST', percent: 0, tag: 'canary' },
    ]);
  });

  it('keeps the original allocation and etag to restore, and probes the service URL unless the config overrides it', () => {
    const group = seedGroup();
    const plans = planRollback(resolveRollbackTargets('convex', group), group, {
      backend: { path: '/version' },
      dashboard: { url: 'https://dash.example', path: '/', identity: { header: 'x-rev' } },
    });
    assert.deepEqual(plans[0]?.original, [{ type: 'LATEST', percent: 100 }]);
    assert.equal(plans[0]?.originalEtag, '"oa-backend"');
    assert.deepEqual(plans[0]?.probe, { url: 'https://oa-backend.a.run.app', path: '/version', identity: 'none' }, 'Cloud Run names no revision: none by default');
    assert.deepEqual(plans[1]?.probe, { url: 'https://dash.example', path: '/', identity: { header: 'x-rev' } });
    assert.deepEqual(plans[0]?.restoreRevisions, ['oa-backend-00011-v4r']);
    assert.equal(plans[0]?.probeAlongsideChange, true);
    assert.equal(plans[0]?.rollbackSummary, 'oa-backend-00010-kpf 100%');
  });

  it('does not probe alongside the change when the target already had a share (its answers would prove nothing)', () => {
    const s = service('backend', 'svc', [rev('svc-1', 1), rev('svc-2', 2)], [{ type: 'REVISION', revision: 'svc-1', percent: 90 }, { type: 'LATEST', percent: 10 }], [
      { type: 'REVISION', revision: 'svc-1', percent: 90 },
      { type: 'LATEST', revision: 'svc-2', percent: 10 },
    ]);
    const [plan] = planRollback(resolveRollbackTargets('g', [s]), [s], { backend: { path: '/', revisionHeader: 'h' } });
    assert.equal(plan?.target, 'svc-1');
    assert.equal(plan?.probeAlongsideChange, false);
    assert.deepEqual(plan?.restoreRevisions, ['svc-1', 'svc-2']);
  });

  it('refuses a service with no URL to probe', () => {
    const [s] = seedGroup();
    s!.snapshot.uri = '';
    const [t] = resolveRollbackTargets('g', [s!]);
    rejects(() => planServiceRollback(t!, s!, { path: '/', revisionHeader: 'h' }), 'NoProbeUrl', /probe\.url/);
  });
});

describe('rollback verdict', () => {
  it('passes only within the RTO target and with traffic restored', () => {
    assert.equal(rollbackVerdict({ rtoSeconds: 20, rtoTargetSeconds: 300, trafficRestored: true }), 'PASS');
    assert.equal(rollbackVerdict({ rtoSeconds: 300, rtoTargetSeconds: 300, trafficRestored: true }), 'PASS');
    assert.equal(rollbackVerdict({ rtoSeconds: 300.001, rtoTargetSeconds: 300, trafficRestored: true }), 'FAIL');
    assert.equal(rollbackVerdict({ rtoSeconds: 20, rtoTargetSeconds: 300, trafficRestored: false }), 'FAIL');
    assert.deepEqual(verdictReasons({ rtoSeconds: 301, rtoTargetSeconds: 300, trafficRestored: false }), [
      'RTO 301 s is above the 300 s target',
      'traffic is not back to its original allocation on every service',
    ]);
  });
  it('measures seconds to the millisecond, never negative', () => {
    assert.equal(secondsBetween(1000, 21_456), 20.456);
    assert.equal(secondsBetween(2000, 1000), 0);
  });
});

describe('production guard', () => {
  const base = { environment: 'prod', production: true, changesTraffic: true, requestedBy: 'alice', approvers: [] as string[] };
  it('lets non-production and dry runs through', () => {
    assert.equal(productionGuardProblem({ ...base, production: false }), undefined);
    assert.equal(productionGuardProblem({ ...base, changesTraffic: false }), undefined);
  });
  it('names everything that is missing', () => {
    assert.equal(productionGuardProblem(base), 'environment prod is production: changing traffic needs --confirm, --ticket <change ticket>, --reason <why>');
    assert.equal(productionGuardProblem({ ...base, confirmation: { confirmed: true, ticket: ' ', reason: 'drill' } }), 'environment prod is production: changing traffic needs --ticket <change ticket>');
  });
  it('passes with confirmation, ticket and reason, and checks the approver list when there is one', () => {
    const confirmation = { confirmed: true, ticket: 'CHG-1', reason: 'drill' };
    assert.equal(productionGuardProblem({ ...base, confirmation }), undefined);
    assert.equal(productionGuardProblem({ ...base, confirmation, approvers: ['alice', 'bob'] }), undefined);
    assert.equal(productionGuardProblem({ ...base, confirmation, approvers: ['bob'] }), 'environment prod is production and alice is not one of its approvers (bob)');
  });
});

describe('revision identity', () => {
  it('reads the earlier revisionHeader spelling as the header strategy, and nothing as none', () => {
    assert.deepEqual(effectiveIdentity({ revisionHeader: 'x-serving-revision' }), { header: 'x-serving-revision' });
    assert.equal(effectiveIdentity({}), 'none');
    assert.deepEqual(effectiveIdentity({ identity: { versionEndpoint: { path: '/version' } } }), { versionEndpoint: { path: '/version' } });
  });

  it('maps a version to the revisions whose image carries it, and falls back when images cannot tell revisions apart', () => {
    assert.equal(imageServesVersion('us-docker.pkg.dev/p/r/convex-backend:1.17.4', '1.17.4'), true);
    assert.equal(imageServesVersion('us-docker.pkg.dev/p/r/convex-backend:1.17.4', '1.16.0'), false);
    assert.equal(imageServesVersion('convex-backend:1.17.4', ''), false);
    const images: Record<string, string> = { a: 'img:1', b: 'img:1', c: 'img:2' };
    assert.match(versionFallbackReason(['a'], ['b'], (r) => images[r]) ?? '', /revisions a and b run the same image \(img:1\)/);
    assert.equal(versionFallbackReason(['a'], ['c'], (r) => images[r]), undefined);
    assert.match(versionFallbackReason(['z'], ['c'], (r) => images[r]) ?? '', /image of revision z is unknown/);
  });

  it('reads a version from a JSON field or the whole body', () => {
    assert.equal(versionFromBody('{"build":{"version":"1.17.4"}}', 'build.version'), '1.17.4');
    assert.equal(versionFromBody(' 1.17.4\n', undefined), '1.17.4');
    assert.equal(versionFromBody('not json', 'version'), undefined);
  });

  it('says which strategy measured an RTO and what it means, per service when they differ', () => {
    assert.deepEqual(rtoMeaning([{ service: 's', identityStrategy: 'none' }]).rtoStrategy, 'none');
    const mixed = rtoMeaning([{ service: 'b', identityStrategy: 'header' }, { service: 'd', identityStrategy: 'none' }]);
    assert.equal(mixed.rtoStrategy, 'header+none');
    assert.match(mixed.rtoMeaning ?? '', /b \(header\): .*d \(none\): until the Cloud Run API reported/);
  });
});
