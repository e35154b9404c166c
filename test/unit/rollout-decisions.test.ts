import assert from 'node:assert/strict';
import { analysisRequest, applyStopRule, evaluateReadings, failingChecks, type AnalysisReading } from '../../src/domain/rollout/analysis';
import { abortRefusal, approvalRefusal, pauseRefusal, rejectionRefusal, resumeRefusal, setBakeRefusal, skipBakeRefusal, type ControlContext } from '../../src/domain/rollout/controls';
import { webhookPayload } from '../../src/domain/rollout/notification';
import type { AnalysisPolicy, ApprovalPolicy } from '../../src/domain/rollout/plan-schema';
import { approvalStanding, bakeRemainingMs, stepMayProceed, unmetGates, type StepStanding } from '../../src/domain/rollout/progress';
import { percentile, readMetricValue } from '../../src/domain/rollout/readings';
import type { ApprovalRecord, CheckState, GateRecord, RolloutService } from '../../src/domain/rollout/records';
import { resolveRolloutServices, RolloutPreflightError, type DescribedGroupService } from '../../src/domain/rollout/revisions';
import { finishAllocation, servingRevisionsAt, stepAllocation } from '../../src/domain/rollout/traffic-split';
import { allocationsEqual, percentTotal } from '../../src/domain/traffic/allocation';
import type { ServiceSnapshot } from '../../src/domain/traffic/service-state';

const service: RolloutService = {
  role: 'backend',
  service: 'oa-b',
  stable: 'oa-b-00011',
  candidate: 'oa-b-00012',
  candidateReason: 'latest Ready revision',
  original: [{ type: 'REVISION', revision: 'oa-b-00011', percent: 100 }],
  url: 'http://127.0.0.1:1/',
  probePath: '/',
  revisionHeader: 'x-serving-revision',
};

describe('rollout decisions: traffic split per step', () => {
  it('gives the candidate the step percent and the stable revision the rest, by name', () => {
    assert.deepEqual(stepAllocation(service, 5), [
      { type: 'REVISION', revision: 'oa-b-00011', percent: 95 },
      { type: 'REVISION', revision: 'oa-b-00012', percent: 5 },
    ]);
    assert.deepEqual(stepAllocation(service, 100), [{ type: 'REVISION', revision: 'oa-b-00012', percent: 100 }]);
  });

  it('reaches a 0 % staff cohort through a tag, and keeps the tag at later steps', () => {
    const staff = stepAllocation(service, 0, 'staff');
    assert.deepEqual(staff, [
      { type: 'REVISION', revision: 'oa-b-00011', percent: 100 },
      { type: 'REVISION', revision: 'oa-b-00012', percent: 0, tag: 'staff' },
    ]);
    assert.deepEqual(stepAllocation(service, 25, 'staff')[1], { type: 'REVISION', revision: 'oa-b-00012', percent: 25, tag: 'staff' });
  });

  it('keeps tags the service already had, at 0 %, and always adds up to 100', () => {
    const tagged = { ...service, original: [{ type: 'REVISION' as const, revision: 'oa-b-00011', percent: 100 }, { type: 'REVISION' as const, revision: 'oa-b-00009', percent: 0, tag: 'old' }] };
    const a = stepAllocation(tagged, 50, 'staff');
    assert.ok(a.some((e) => e.tag === 'old' && e.revision === 'oa-b-00009' && e.percent === 0));
    for (const p of [0, 1, 5, 25, 50, 99, 100]) assert.equal(percentTotal(stepAllocation(tagged, p, 'staff')), 100, `percent ${p}`);
    assert.throws(() => stepAllocation(service, 101), RangeError);
  });

  it('finishes pinned to the candidate or following LATEST, as the plan says', () => {
    assert.deepEqual(finishAllocation(service, { traffic: 'pinned' }), [{ type: 'REVISION', revision: 'oa-b-00012', percent: 100 }]);
    assert.deepEqual(finishAllocation(service, { traffic: 'pinned' }, 'staff'), [{ type: 'REVISION', revision: 'oa-b-00012', percent: 100, tag: 'staff' }]);
    assert.deepEqual(finishAllocation(service, { traffic: 'latest' }), [{ type: 'LATEST', percent: 100 }]);
    assert.ok(allocationsEqual(finishAllocation(service, { traffic: 'latest' }, 'staff'), [{ type: 'LATEST', percent: 100 }, { type: 'REVISION', revision: 'oa-b-00012', percent: 0, tag: 'staff' }]));
  });

  it('knows which revisions serve the service URL at each percent', () => {
    assert.deepEqual(servingRevisionsAt(service, 0), ['oa-b-00011']);
    assert.deepEqual(servingRevisionsAt(service, 30), ['oa-b-00011', 'oa-b-00012']);
    assert.deepEqual(servingRevisionsAt(service, 100), ['oa-b-00012']);
  });
});

function snapshot(over: Partial<ServiceSnapshot> = {}): ServiceSnapshot {
  return {
    service: 'oa-b',
    uri: 'http://127.0.0.1:9/',
    etag: '"e"',
    generation: 3,
    observedGeneration: 3,
    reconciling: false,
    ready: true,
    readyDetail: 'Ready',
    traffic: [{ type: 'REVISION', revision: 'oa-b-00011', percent: 100 }],
    trafficStatuses: [{ type: 'REVISION', revision: 'oa-b-00011', percent: 100 }],
    latestReadyRevision: 'oa-b-00012',
    ...over,
  };
}

const described = (over: Partial<DescribedGroupService> = {}): DescribedGroupService => ({
  role: 'backend',
  service: 'oa-b',
  snapshot: snapshot(),
  revisions: [
    { name: 'oa-b-00010', createTimeMs: 1, ready: true, readyDetail: 'Ready' },
    { name: 'oa-b-00012', createTimeMs: 3, ready: true, readyDetail: 'Ready' },
    { name: 'oa-b-00011', createTimeMs: 2, ready: true, readyDetail: 'Ready' },
  ],
  probe: { path: '/', revisionHeader: 'x-serving-revision' },
  ...over,
});

function preflightCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof RolloutPreflightError, String(err));
    return err.code;
  }
  return assert.fail('pre-flight passed');
}

describe('rollout decisions: pre-flight revisions', () => {
  it('takes the one revision serving 100 % as stable and the latest Ready (by creation time) as candidate', () => {
    const [s] = resolveRolloutServices([described()], {}, { traffic: 'pinned' });
    assert.equal(s!.stable, 'oa-b-00011');
    assert.equal(s!.candidate, 'oa-b-00012');
    assert.equal(s!.url, 'http://127.0.0.1:9/');
    assert.deepEqual(s!.original, snapshot().traffic);
  });

  it('uses a candidate named by role or service id, and refuses one that is missing or not Ready', () => {
    assert.equal(resolveRolloutServices([described()], { 'oa-b': 'oa-b-00010' }, { traffic: 'pinned' })[0]!.candidate, 'oa-b-00010');
    assert.equal(preflightCode(() => resolveRolloutServices([described()], { backend: 'oa-b-00099' }, { traffic: 'pinned' })), 'CandidateNotFound');
    const notReady = described({ revisions: [...described().revisions.slice(0, 2).map((r) => (r.name === 'oa-b-00012' ? { ...r, ready: false, readyDetail: 'CONDITION_FAILED' } : r)), described().revisions[2]!] });
    assert.equal(preflightCode(() => resolveRolloutServices([notReady], { backend: 'oa-b-00012' }, { traffic: 'pinned' })), 'CandidateNotReady');
  });

  it('refuses a split, a candidate that already serves, a service that is not Ready, and finish: latest away from the candidate', () => {
    const split = described({ snapshot: snapshot({ trafficStatuses: [{ type: 'REVISION', revision: 'oa-b-00011', percent: 90 }, { type: 'REVISION', revision: 'oa-b-00012', percent: 10 }] }) });
    assert.equal(preflightCode(() => resolveRolloutServices([split], {}, { traffic: 'pinned' })), 'NotOneStableRevision');
    assert.equal(preflightCode(() => resolveRolloutServices([described()], { backend: 'oa-b-00011' }, { traffic: 'pinned' })), 'CandidateIsStable');
    assert.equal(preflightCode(() => resolveRolloutServices([described({ snapshot: snapshot({ ready: false, readyDetail: 'CONDITION_FAILED' }) })], {}, { traffic: 'pinned' })), 'ServiceNotReady');
    assert.equal(preflightCode(() => resolveRolloutServices([described()], { backend: 'oa-b-00010' }, { traffic: 'latest' })), 'FinishLatestNotCandidate');
  });
});

const policy: AnalysisPolicy = {
  interval: '1m',
  stopAfter: '5m',
  probes: [
    { target: 'service', path: '/', samples: 10, minSuccessRate: 0.9, maxP95LatencyMs: 500 },
    { target: 'tag', path: '/version', samples: 10, minSuccessRate: 1 },
  ],
  metrics: [{ name: 'projection-lag', url: 'https://m.example/lag', field: 'p95', max: 25, timeout: '5s' }],
};

describe('rollout decisions: analysis verdicts and the stop rule', () => {
  const req = analysisRequest(policy, [service], { backend: 'http://127.0.0.1:2/' }, 'staff');

  it('builds one probe per service and target (tag probes expect the candidate), and one request per metric', () => {
    assert.deepEqual(req.probes.map((p) => [p.check, p.url, p.expectRevisions]), [
      ['service backend', 'http://127.0.0.1:1/', undefined],
      ['tag staff backend/version', 'http://127.0.0.1:2/version', ['oa-b-00012']],
    ]);
    assert.equal(req.metrics[0]!.timeoutMs, 5000);
    const noTagUrl = analysisRequest(policy, [service], {}, 'staff');
    assert.equal(noTagUrl.probes[1]!.url, undefined);
  });

  it('passes and fails probes on success rate, latency and wrong revision; metrics on thresholds; a missing or unreadable reading fails', () => {
    const readings: AnalysisReading[] = [
      { kind: 'probe', check: 'service backend', samples: 10, successes: 9, wrongRevision: 0, p95LatencyMs: 120 },
      { kind: 'probe', check: 'tag staff backend/version', samples: 10, successes: 8, wrongRevision: 2, p95LatencyMs: 5, lastError: 'answered by oa-b-00011' },
      { kind: 'metric', check: 'projection-lag', value: 30 },
    ];
    const v = evaluateReadings(req, readings);
    assert.deepEqual(v.map((x) => x.ok), [true, false, false]);
    assert.match(v[1]!.detail, /success 80\.0% < 100% \(2 from another revision\)/);
    assert.match(v[2]!.detail, /30 > max 25/);
    const slow = evaluateReadings(req, [{ ...(readings[0] as AnalysisReading & { kind: 'probe' }), p95LatencyMs: 900 }]);
    assert.match(slow[0]!.detail, /p95 900 ms > 500 ms/);
    assert.deepEqual(slow.slice(1).map((x) => x.detail), ['no reading', 'no reading']);
    assert.match(evaluateReadings(req, [{ kind: 'metric', check: 'projection-lag', error: 'HTTP 503' }])[2]!.detail, /cannot read: HTTP 503/);
  });

  it('aborts only when a check has been failing for stopAfter or longer; recovery resets the streak', () => {
    const m = 60_000;
    const fail = [{ check: 'lag', ok: false, detail: '30 > max 25' }];
    const pass = [{ check: 'lag', ok: true, detail: '3 within max 25' }];
    let s = applyStopRule({}, fail, 0, 5 * m);
    assert.deepEqual(s.changes.map((c) => c.event), ['check-failing']);
    assert.equal(s.stop, undefined);
    s = applyStopRule(s.checks, fail, 4 * m, 5 * m);
    assert.equal(s.stop, undefined, 'failing for 4 of 5 minutes');
    assert.deepEqual(s.changes, [], 'still failing: no new timeline entry');
    const recovered = applyStopRule(s.checks, pass, 4.5 * m, 5 * m);
    assert.deepEqual(recovered.changes.map((c) => c.event), ['check-recovered']);
    const again = applyStopRule(recovered.checks, fail, 6 * m, 5 * m);
    assert.equal(again.stop, undefined, 'a new streak starts at 6 minutes');
    const stopped = applyStopRule(applyStopRule(again.checks, fail, 10 * m, 5 * m).checks, fail, 11 * m, 5 * m);
    assert.equal(stopped.stop?.check, 'lag');
    assert.equal(stopped.stop?.failingForMs, 5 * m);
    assert.equal(stopped.checks.lag!.readings, 6);
    assert.equal(stopped.checks.lag!.failures, 5);
    assert.equal(failingChecks(stopped.checks).length, 1);
    assert.equal(applyStopRule({}, fail, 0, 0).stop?.check, 'lag', 'stopAfter 0 stops on the first failing reading');
  });

  it('reads metric values from plain bodies and JSON fields, and refuses non-numbers', () => {
    assert.equal(readMetricValue('17\n'), 17);
    assert.equal(readMetricValue('{"lag":{"p95":"4.5"}}', 'lag.p95'), 4.5);
    assert.equal(readMetricValue('{"shards":[{"drifts":2}]}', 'shards.0.drifts'), 2);
    assert.throws(() => readMetricValue('{"lag":{}}', 'lag.p95'), /no field "lag\.p95"/);
    assert.throws(() => readMetricValue('ok'), /not a number/);
    assert.throws(() => readMetricValue('<html>', 'p95'), /not JSON/);
    assert.equal(percentile([5, 1, 4, 2, 3, 10, 9, 8, 7, 6], 95), 10);
    assert.equal(percentile([5, 1, 4, 2, 3], 50), 3);
    assert.equal(percentile([], 95), undefined);
  });
});

const approval: ApprovalPolicy = { required: true, approvers: ['alice', 'bob'], allowInitiator: false, onTimeout: 'abort' };
const waiting: ControlContext = { phase: 'awaiting-approval', currentStep: 'limited', policy: approval, initiator: 'carol', paused: false };

describe('rollout decisions: approvals and controls', () => {
  const ok = { step: 'limited', approver: 'alice', reason: 'staff cohort clean for 24 h' };

  it('accepts an allowed approver with a reason for the step that waits', () => {
    assert.equal(approvalRefusal(ok, waiting), undefined);
  });

  it('refuses the wrong person, the wrong step, no reason, no step, the initiator, and when not waiting', () => {
    assert.match(approvalRefusal({ ...ok, approver: 'mallory' }, waiting)!, /mallory may not approve step "limited"; allowed: alice, bob/);
    assert.match(approvalRefusal({ ...ok, step: 'full' }, waiting)!, /step "full" is not the current step; the rollout is at step "limited"/);
    assert.match(approvalRefusal({ ...ok, reason: '  ' }, waiting)!, /reason is required/);
    assert.match(approvalRefusal({ ...ok, step: '' }, waiting)!, /step is required/);
    assert.match(approvalRefusal({ ...ok, approver: '' }, waiting)!, /approver is required/);
    assert.match(approvalRefusal({ ...ok, approver: 'carol' }, { ...waiting, policy: { ...approval, approvers: [] } })!, /carol started this rollout and may not approve/);
    assert.equal(approvalRefusal({ ...ok, approver: 'carol' }, { ...waiting, policy: { ...approval, approvers: [], allowInitiator: true } }), undefined);
    assert.equal(approvalRefusal({ ...ok, approver: 'dave' }, { ...waiting, policy: { ...approval, approvers: [] } }), undefined, 'empty list: anyone but the initiator');
    assert.match(approvalRefusal(ok, { ...waiting, phase: 'gates' })!, /not waiting for approval \(it is gates\)/);
  });

  it('refuses everything after an abort, naming why it ended', () => {
    const aborted: ControlContext = { ...waiting, phase: 'aborted', endReason: 'rejected by bob' };
    assert.match(approvalRefusal(ok, aborted)!, /aborted \(rejected by bob\); nothing can change it/);
    assert.match(approvalRefusal(ok, { ...waiting, phase: 'compensating' })!, /aborted/);
    assert.match(abortRefusal({ by: 'alice', reason: 'x' }, aborted)!, /aborted/);
    assert.match(pauseRefusal({ by: 'alice' }, { ...waiting, phase: 'completed' })!, /finished/);
  });

  it('lets approvers or the initiator reject, with a reason, only while waiting', () => {
    assert.equal(rejectionRefusal({ ...ok, approver: 'carol', reason: 'not yet' }, waiting), undefined);
    assert.match(rejectionRefusal({ ...ok, approver: 'mallory' }, waiting)!, /may not reject/);
    assert.match(rejectionRefusal({ ...ok, reason: '' }, waiting)!, /reason is required/);
    assert.match(rejectionRefusal(ok, { ...waiting, phase: 'baking' })!, /use abort/);
  });

  it('abort needs who and why; pause and resume follow the paused flag', () => {
    assert.match(abortRefusal({ by: 'alice', reason: '' }, waiting)!, /reason is required/);
    assert.match(abortRefusal({ by: '', reason: 'x' }, waiting)!, /by is required/);
    assert.equal(abortRefusal({ by: 'anyone', reason: 'pager fired' }, waiting), undefined);
    assert.equal(pauseRefusal({ by: 'alice' }, waiting), undefined);
    assert.match(pauseRefusal({ by: 'alice' }, { ...waiting, paused: true })!, /already paused/);
    assert.match(resumeRefusal({ by: 'alice' }, waiting)!, /not paused/);
  });

  it('skip-bake only while baking, by an allowed approver, with a reason; set-bake before the bake ends, with a valid duration', () => {
    const baking: ControlContext = { ...waiting, phase: 'baking' };
    assert.equal(skipBakeRefusal({ by: 'bob', reason: 'metrics clean' }, baking), undefined);
    assert.match(skipBakeRefusal({ by: 'mallory', reason: 'x' }, baking)!, /may not skip the bake/);
    assert.match(skipBakeRefusal({ by: 'bob', reason: '' }, baking)!, /reason is required/);
    assert.match(skipBakeRefusal({ by: 'bob', reason: 'x' }, waiting)!, /not baking/);
    assert.match(skipBakeRefusal({ by: 'bob', reason: 'x', step: 'staff' }, baking)!, /not the current step/);
    assert.equal(setBakeRefusal({ by: 'bob', bake: '2h', reason: 'weekend' }, waiting), undefined);
    assert.match(setBakeRefusal({ by: 'bob', bake: 'two hours', reason: 'x' }, baking)!, /not a duration/);
    assert.match(setBakeRefusal({ by: 'bob', bake: '1000d', reason: 'x' }, baking)!, /bake "1000d" is longer than the 90d a bake may last/);
    assert.match(setBakeRefusal({ by: 'bob', bake: '2h', reason: 'x' }, { ...baking, phase: 'finishing' })!, /no bake left/);
  });
});

describe('rollout decisions: gates, approval, and whether a baked step may proceed', () => {
  const gate = (g: GateRecord['gate'], status: GateRecord['status']): GateRecord => ({ step: 's', gate: g, workflowType: 'healthDrill', workflowId: 'x', status, seconds: 1, detail: '' });
  const approval = (decision: ApprovalRecord['decision']): ApprovalRecord => ({ step: 's', decision, by: 'alice', reason: 'ok', at: '' });

  it('runs the gates not passed yet, in the plan\'s order: a failed one runs again, a passed one does not', () => {
    assert.deepEqual(unmetGates(['health', 'rollback'], []), ['health', 'rollback']);
    assert.deepEqual(unmetGates(['health', 'rollback'], [gate('health', 'passed')]), ['rollback']);
    assert.deepEqual(unmetGates(['health', 'rollback'], [gate('health', 'failed'), gate('rollback', 'passed')]), ['health']);
    assert.deepEqual(unmetGates([], [gate('health', 'failed')]), []);
  });

  it('goes on without an approval where none is required, with an approval where one is, and waits otherwise', () => {
    assert.equal(approvalStanding(false, []), 'not-required');
    assert.equal(approvalStanding(true, []), 'waiting');
    assert.equal(approvalStanding(true, [approval('timed-out')]), 'waiting');
    assert.equal(approvalStanding(true, [approval('timed-out'), approval('approved')]), 'approved');
  });

  const base: StepStanding = { bake: { bakeMs: 60_000, bakedMs: 60_000, skipped: false }, failing: [], paused: false };
  const failing: CheckState = { check: 'lag', ok: false, detail: '30 > 25', readings: 1, failures: 1, at: '', failingSince: '' };

  it('proceeds when baked, nothing failing, not paused', () => {
    assert.deepEqual(stepMayProceed(base), { proceed: true });
  });

  it('waits for each missing condition, naming it', () => {
    const why = (s: Partial<StepStanding>): string => {
      const d = stepMayProceed({ ...base, ...s });
      return d.proceed ? 'proceed' : d.waitingFor;
    };
    assert.match(why({ bake: { bakeMs: 60_000, bakedMs: 30_000, skipped: false } }), /the bake \(30 s left\)/);
    assert.equal(why({ bake: { bakeMs: 60_000, bakedMs: 30_000, skipped: true } }), 'proceed');
    assert.match(why({ failing: [failing] }), /failing check\(s\) to recover: lag/);
    assert.match(why({ paused: true }), /paused/);
    assert.equal(bakeRemainingMs({ bakeMs: 10, bakedMs: 50, skipped: false }), 0);
  });
});

describe('rollout decisions: notifications', () => {
  it('builds a Slack-compatible payload whose text alone names the change, environment, step and link', () => {
    const p = webhookPayload({ key: 'k', notice: 'awaiting-approval', environment: 'nonprod', group: 'convex', workflowId: 'traffic-nonprod-convex', step: 'limited', text: 'approve with drillctl rollout approve <step>', webUiUrl: 'http://ui/wf' });
    assert.match(p.text, /waiting for approval \(nonprod \/ convex, step limited\): approve with drillctl rollout approve &lt;step&gt; <http:\/\/ui\/wf\|Open in Temporal Web UI>/);
    assert.equal(p.blocks.length, 2);
    assert.match(JSON.stringify(p.blocks), /\*Step:\* limited/);
  });
});
