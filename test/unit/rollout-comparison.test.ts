import assert from 'node:assert/strict';
import { ConfigSchema } from '../../src/domain/config/schema';
import { analysisRequest, applyStopRule, evaluateReadings } from '../../src/domain/rollout/analysis';
import { bucketBounds, distributionPercentile } from '../../src/domain/rollout/distribution';
import { fillQuery } from '../../src/domain/rollout/metric-check-schema';
import { planContextIssues } from '../../src/domain/rollout/plan-context';
import { AnalysisSchema, RolloutPlanSchema } from '../../src/domain/rollout/plan-schema';
import { stepMayProceed } from '../../src/domain/rollout/progress';
import type { CheckState, RolloutService } from '../../src/domain/rollout/records';
import { comparisonLimit, revisionMetricVerdict, type RevisionMetricRequest } from '../../src/domain/rollout/revision-metrics';
import { RequestLog } from '../../src/sandbox/cloud-run/request-log';
import { evaluate, PromQLError } from '../../src/sandbox/monitoring/promql';

const services: RolloutService[] = ['backend', 'dashboard'].map((role) => ({
  role,
  service: `oa-${role}`,
  stable: `oa-${role}-00011`,
  candidate: `oa-${role}-00012`,
  candidateReason: 'latest Ready revision',
  original: [{ type: 'REVISION', revision: `oa-${role}-00011`, percent: 100 }],
  url: 'http://127.0.0.1:1/',
  probePath: '/',
}));

const req = (over: Partial<RevisionMetricRequest> = {}): RevisionMetricRequest => ({
  check: '5xx backend',
  provider: 'cloud-run',
  query: '5xx-ratio',
  role: 'backend',
  service: 'oa-backend',
  step: 'canary',
  candidate: 'oa-backend-00012',
  stable: 'oa-backend-00011',
  windowMs: 300_000,
  timeoutMs: 10_000,
  minSamples: 20,
  compare: { maxRatio: 2, maxDifference: 0.01 },
  onNotEnoughData: 'hold',
  ...over,
});
const side = (revision: string, value: number | undefined, samples: number) => ({ revision, samples, ...(value !== undefined ? { value } : {}) });

describe('candidate against stable: verdicts', () => {
  it('tolerates the looser of stable × maxRatio and stable + maxDifference', () => {
    assert.equal(comparisonLimit(0, { maxRatio: 2, maxDifference: 0.01 }), 0.01);
    assert.equal(comparisonLimit(0.1, { maxRatio: 2, maxDifference: 0.01 }), 0.2);
    assert.equal(comparisonLimit(0.1, { maxDifference: 0.01 }), 0.11);
  });

  it('passes a candidate as clean as stable, naming both sides and their requests', () => {
    const v = revisionMetricVerdict(req(), { kind: 'revision-metric', check: '5xx backend', candidate: side('c', 0.005, 200), stable: side('s', 0.004, 1800) });
    assert.equal(v.ok, true);
    assert.deepEqual([v.value, v.samples, v.stable, v.stableSamples], [0.005, 200, 0.004, 1800]);
    assert.equal(v.detail, 'candidate 0.005 (200 requests) vs stable 0.004 (1800 requests): within 2× stable or stable + 0.01');
  });

  it('fails a candidate whose 5xx ratio rises above stable\'s, even under an absolute max', () => {
    const v = revisionMetricVerdict(req({ max: 0.5 }), { kind: 'revision-metric', check: '5xx backend', candidate: side('c', 0.25, 200), stable: side('s', 0, 1800) });
    assert.equal(v.ok, false);
    assert.equal(v.notEnoughData, undefined);
    assert.match(v.detail, /candidate 0\.25 \(200 requests\) vs stable 0 \(1800 requests\): above 2× stable or stable \+ 0\.01 \(limit 0\.01\)/);
  });

  it('too few requests on either side is "not enough data", never a pass, carrying the plan\'s treatment', () => {
    const few = revisionMetricVerdict(req({ onNotEnoughData: 'fail' }), { kind: 'revision-metric', check: '5xx backend', candidate: side('c', 0, 3), stable: side('s', 0, 1800) });
    assert.equal(few.ok, false);
    assert.equal(few.notEnoughData, 'fail');
    assert.match(few.detail, /^not enough data: the candidate has 3 of the 20 requests needed/);
    const noStable = revisionMetricVerdict(req(), { kind: 'revision-metric', check: '5xx backend', candidate: side('c', 0, 300), stable: side('s', undefined, 0) });
    assert.equal(noStable.notEnoughData, 'hold');
    assert.match(noStable.detail, /the stable revision has no data in the last 300 s/);
    const unreadable = revisionMetricVerdict(req(), { kind: 'revision-metric', check: '5xx backend', error: 'cloud-run: UNAVAILABLE' });
    assert.deepEqual([unreadable.ok, unreadable.notEnoughData], [false, undefined]);
  });

  it('fills a query\'s placeholders per revision, leaving unknown text alone', () => {
    assert.equal(fillQuery('x{revision_name="{{revision}}",service_name="{{ service }}",step="{{step}}"}[{{window}}]', { revision: 'r-1', service: 's', step: 'canary', window: '600s' }), 'x{revision_name="r-1",service_name="s",step="canary"}[600s]');
  });

  it('builds one request per service and check, with both revisions only when it compares', () => {
    const policy = AnalysisSchema.parse({
      metrics: [
        { name: 'errors', provider: 'cloud-run', query: '5xx-ratio', compare: { maxRatio: 2 }, minSamples: 20, window: '10m' },
        { name: 'latency', provider: 'cloud-run', query: 'latency-p95', max: 800, services: ['backend'] },
      ],
      onNotEnoughData: 'fail',
    });
    const r = analysisRequest(policy, services, {}, undefined, 'canary');
    assert.deepEqual(r.metrics, []);
    assert.deepEqual(r.revisionMetrics?.map((m) => [m.check, m.candidate, m.stable ?? '-', m.windowMs, m.onNotEnoughData, m.step]), [
      ['errors backend', 'oa-backend-00012', 'oa-backend-00011', 600_000, 'fail', 'canary'],
      ['errors dashboard', 'oa-dashboard-00012', 'oa-dashboard-00011', 600_000, 'fail', 'canary'],
      ['latency backend', 'oa-backend-00012', '-', 300_000, 'fail', 'canary'],
    ]);
    const verdicts = evaluateReadings(r, [{ kind: 'revision-metric', check: 'errors backend', candidate: side('c', 0, 50), stable: side('s', 0, 50) }]);
    assert.deepEqual(verdicts.map((v) => [v.check, v.ok]), [['errors backend', true], ['errors dashboard', false], ['latency backend', false]]);
  });
});

describe('candidate against stable: the stop rule and not enough data', () => {
  const t0 = Date.parse('2026-03-01T10:00:00Z');
  const short = (policy: 'hold' | 'fail' | 'abort') => ({ check: 'errors backend', ok: false, detail: 'not enough data: the candidate has 3 of the 20 requests needed', notEnoughData: policy });

  it('hold: no failing streak, so the stop rule never fires, but the step cannot advance', () => {
    let checks: Record<string, CheckState> = {};
    const events: string[] = [];
    for (let i = 0; i < 5; i++) {
      const out = applyStopRule(checks, [short('hold')], t0 + i * 600_000, 900_000);
      assert.equal(out.stop, undefined);
      checks = out.checks;
      events.push(...out.changes.map((c) => c.event));
    }
    assert.deepEqual(events, ['check-not-enough-data']);
    assert.equal(checks['errors backend']!.failures, 0);
    const standing = { requiredGates: [], gates: [], approvalRequired: false, bake: { bakeMs: 1, bakedMs: 1, skipped: false }, paused: false, failing: Object.values(checks).filter((c) => !c.ok) };
    assert.deepEqual(stepMayProceed(standing), { proceed: false, waitingFor: 'enough data to judge (never a pass without it): errors backend' });
    const recovered = applyStopRule(checks, [{ check: 'errors backend', ok: true, detail: 'fine' }], t0 + 3_600_000, 900_000);
    assert.deepEqual(recovered.changes.map((c) => c.event), ['check-recovered']);
  });

  it('fail: a failing reading, and the stop rule fires after stopAfter', () => {
    const first = applyStopRule({}, [short('fail')], t0, 900_000);
    assert.deepEqual(first.changes.map((c) => c.event), ['check-failing']);
    assert.equal(first.stop, undefined);
    const later = applyStopRule(first.checks, [short('fail')], t0 + 900_000, 900_000);
    assert.equal(later.stop?.check, 'errors backend');
  });

  it('abort: stops at the first reading', () => {
    assert.deepEqual(applyStopRule({}, [short('abort')], t0, 900_000).stop, { check: 'errors backend', failingForMs: 0, detail: short('abort').detail, onNotEnoughData: 'abort' });
  });
});

describe('metric providers: config and plan checks', () => {
  const config = (providers: object, sandbox = false) =>
    ConfigSchema.safeParse({
      environments: {
        prod: { production: !sandbox, sandbox, cloudRun: { project: 'p', region: 'r' }, serviceGroups: { convex: { services: { backend: { service: 'oa-backend' } } } }, rollout: { metricProviders: providers } },
      },
    });
  const plan = (metric: object) =>
    RolloutPlanSchema.safeParse({ environment: 'prod', serviceGroup: 'convex', steps: [{ name: 'full', percent: 100, analysis: { metrics: [{ name: 'errors', ...metric }] } }] });
  const messages = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) => (r.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);

  it('refuses an emulator endpoint outside a sandbox, an inline token and the reserved name http', () => {
    assert.match(messages(config({ cm: { cloudMonitoring: { apiEndpoint: '127.0.0.1:1' } } })).join('\n'), /metricProviders\.cm\.cloudMonitoring\.apiEndpoint: only sandbox environments/);
    assert.equal(config({ cm: { cloudMonitoring: { apiEndpoint: '127.0.0.1:1' } } }, true).success, true);
    assert.match(messages(config({ prom: { prometheus: { url: 'https://prom.example', auth: { bearer: 'abc123' } } } })).join('\n'), /secret reference/);
    assert.match(messages(config({ http: { prometheus: { url: 'https://prom.example' } } })).join('\n'), /built-in/);
  });

  it('refuses a plan check mixing the http and provider forms, or with an unknown placeholder', () => {
    assert.match(messages(plan({ url: 'https://m.example/x', compare: { maxRatio: 2 } })).join('\n'), /compare: only a check with a metric provider/);
    assert.match(messages(plan({ provider: 'prom', max: 1 })).join('\n'), /query: provider "prom" needs a query/);
    assert.match(messages(plan({ provider: 'prom', query: 'x{r="{{revison}}"}', max: 1 })).join('\n'), /unknown placeholder \{\{revison\}\}/);
    assert.match(messages(plan({ provider: 'prom', query: 'x', compare: {} })).join('\n'), /a comparison needs a bound/);
  });

  it('checks a plan\'s providers against the environment: names, Cloud Run metrics, count queries', () => {
    const c = config({ 'cloud-run': { cloudMonitoring: {} }, prom: { prometheus: { url: 'https://prom.example' } } });
    assert.ok(c.success);
    const issues = (metric: object) => planContextIssues(plan(metric).data!, c.data!).map((i) => `${i.path.join('.')}: ${i.message}`);
    assert.match(issues({ provider: 'cloud-runn', query: '5xx-ratio', max: 1 })[0]!, /metric provider "cloud-runn" is not declared .*did you mean "cloud-run"/);
    assert.match(issues({ provider: 'cloud-run', query: '5xx_ratio', max: 1 })[0]!, /query is one of 5xx-ratio, .*did you mean "5xx-ratio"/);
    assert.match(issues({ provider: 'prom', query: 'x', minSamples: 10, max: 1 })[0]!, /minSamples: .*needs a countQuery/);
    assert.match(issues({ provider: 'prom', query: 'x', services: ['frontend'], max: 1 })[0]!, /unknown service "frontend"/);
    assert.deepEqual(issues({ provider: 'cloud-run', query: '5xx-ratio', compare: { maxRatio: 2 }, minSamples: 20 }), []);
  });
});

describe('sandbox PromQL subset and distributions', () => {
  const log = new RequestLog();
  const at = 1_000_000;
  for (let i = 0; i < 100; i++) log.record({ atMs: at - i * 10, service: 'oa-backend', revision: i % 4 === 0 ? 'cand' : 'stable', status: i % 8 === 0 ? 503 : 200, latencyMs: i });

  it('answers the ratio, sum by and histogram_quantile the examples use', () => {
    const ratio = evaluate('(sum(increase(cloud_run_requests_total{revision_name="cand",response_code_class="5xx"}[1m])) or vector(0)) / sum(increase(cloud_run_requests_total{revision_name="cand"}[1m]))', log, at);
    assert.deepEqual(ratio, { kind: 'vector', samples: [{ labels: {}, value: 13 / 25 }] });
    const byRevision = evaluate('sum by (revision_name) (rate(cloud_run_requests_total[100s]))', log, at);
    assert.deepEqual(byRevision.kind === 'vector' && byRevision.samples.map((s) => [s.labels.revision_name, s.value]), [['cand', 0.25], ['stable', 0.75]]);
    const p95 = evaluate('histogram_quantile(0.95, sum by (le) (increase(cloud_run_request_latency_seconds_bucket[1m])))', log, at);
    assert.ok(p95.kind === 'vector' && p95.samples[0]!.value > 0.05 && p95.samples[0]!.value <= 0.1);
    assert.throws(() => evaluate('sum(rate(cloud_run_requests_total[5m])) > 1', log, at), PromQLError);
    assert.throws(() => evaluate('up', log, at), /unknown metric up/);
  });

  it('reads a percentile inside its bucket, and nothing from an empty distribution', () => {
    const bounds = bucketBounds({ explicitBuckets: { bounds: [10, 20, 40] } });
    assert.equal(distributionPercentile(bounds, [0, 5, 5, 0], 50), 20);
    assert.equal(distributionPercentile(bounds, [0, 5, 5, 0], 75), 30);
    assert.equal(distributionPercentile(bounds, [0, 0, 0, 0], 50), undefined);
  });
});
