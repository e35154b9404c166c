import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from '../../src/domain/config/parse';
import { durationMs, formatDuration } from '../../src/domain/rollout/duration';
import { loadRolloutPlan, parseRolloutPlan, resolvePlanContext } from '../../src/domain/rollout/plan-context';
import { effectiveTags } from '../../src/domain/rollout/plan-schema';
import { planTimeline, renderPlanTimeline } from '../../src/domain/rollout/plan-timeline';

const config = parseConfig(
  `
environments:
  nonprod:
    cloudRun: { project: p, region: us-central1 }
    health: { backendUrl: https://b.example, dashboardUrl: https://d.example }
    rollout:
      endpoints: { flags: "https://flags.example/", metrics: "https://metrics.example/api" }
    serviceGroups:
      convex:
        services:
          backend: { service: oa-convex-backend-nonprod }
          dashboard: { service: oa-convex-dashboard-nonprod }
`,
  'drillctl.yaml',
);

const good = `
environment: nonprod
serviceGroup: convex
candidates: { backend: latest, oa-convex-dashboard-nonprod: oa-convex-dashboard-nonprod-00003-abc }
finish: { traffic: latest }
steps:
  - name: staff
    percent: 0
    tag: staff
    gates: [health, rollback]
    approval: { approvers: [alice, bob], timeout: 30m, onTimeout: hold }
    bake: 24h
    hooks:
      - name: staff-flag
        do: { http: { url: "https://flags.example/staff", body: { on: true } } }
        undo: { command: { argv: [node, flag.js, "off"] } }
    analysis:
      interval: 5m
      probes: [{ target: tag, maxP95LatencyMs: 800 }, { services: [backend] }]
      metrics: [{ name: projection-lag, url: "https://metrics.example/lag", field: p95, max: 25 }]
  - { name: limited, percent: 5, bake: 48h, approval: { required: true } }
  - { name: ramp-25, percent: 25, bake: 1h, approval: { required: false } }
  - { name: ramp-50, percent: 50, bake: 1h }
  - { name: full, percent: 100, approval: { approvers: [alice], timeout: 1h } }
`;

/** Every "field: message" of a rejected plan (schema errors, or checks against the config). */
function issuesOf(text: string): string[] {
  try {
    resolvePlanContext(parseRolloutPlan(text, 'plan.yaml'), config, 'plan.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.issues;
  }
  return assert.fail('the plan was accepted');
}

function oneIssue(text: string, field: string, message: RegExp): void {
  const issues = issuesOf(text);
  assert.ok(
    issues.some((i) => i.startsWith(`${field}: `) && message.test(i)),
    `expected "${field}: ${message}" among:\n${issues.join('\n')}`,
  );
}

const withSteps = (steps: string): string => `environment: nonprod\nserviceGroup: convex\nsteps:\n${steps}`;

describe('rollout plan: schema and validation', () => {
  it('accepts the runbook plan and fills in defaults', () => {
    const plan = parseRolloutPlan(good, 'plan.yaml');
    const ctx = resolvePlanContext(plan, config, 'plan.yaml');
    assert.equal(ctx.group, 'convex');
    assert.deepEqual(plan.steps.map((s) => s.percent), [0, 5, 25, 50, 100]);
    assert.equal(plan.steps[0]!.hooks[0]!.do.http!.method, 'POST');
    assert.equal(plan.steps[0]!.analysis!.stopAfter, '5m');
    assert.equal(plan.steps[0]!.analysis!.probes[0]!.samples, 20);
    assert.equal(plan.steps[1]!.approval.onTimeout, 'abort');
    assert.equal(plan.steps[3]!.approval.required, true, 'approval is required unless a step says otherwise');
    assert.equal(plan.steps[4]!.bake, '0s');
    assert.deepEqual(effectiveTags(plan.steps), ['staff', 'staff', 'staff', 'staff', 'staff']);
  });

  it('rejects a percent outside 0-100, naming the step field', () => {
    oneIssue(withSteps('  - { name: a, percent: 150 }'), 'steps.0.percent', /from 0 to 100/);
    oneIssue(withSteps('  - { name: a, percent: -5 }'), 'steps.0.percent', /from 0 to 100/);
    oneIssue(withSteps('  - { name: a, percent: 12.5 }'), 'steps.0.percent', /whole percent/);
    oneIssue(withSteps('  - { name: a, percent: "ten" }'), 'steps.0.percent', /number from 0 to 100/);
  });

  it('rejects a percent going down, and a last step below 100', () => {
    oneIssue(withSteps('  - { name: a, percent: 50 }\n  - { name: b, percent: 25 }\n  - { name: c, percent: 100 }'), 'steps.1.percent', /25 is lower than the 50 of step "a"/);
    oneIssue(withSteps('  - { name: a, percent: 5 }\n  - { name: b, percent: 50 }'), 'steps.1.percent', /last step must send 100 %/);
  });

  it('rejects an unknown gate, and a gate listed twice', () => {
    oneIssue(withSteps('  - { name: a, percent: 100, gates: [health, chaos] }'), 'steps.0.gates.1', /unknown gate "chaos"; expected one of health, backup-restore, replay, rollback/);
    oneIssue(withSteps('  - { name: a, percent: 100, gates: [health, health] }'), 'steps.0.gates.1', /listed twice/);
  });

  it('rejects duplicate step names and duplicate hook names', () => {
    oneIssue(withSteps('  - { name: a, percent: 5 }\n  - { name: a, percent: 100 }'), 'steps.1.name', /duplicate step name "a" \(also steps\.0\.name\)/);
    const hook = '{ name: flag, do: { http: { url: "https://f.example/on" } }, undo: { http: { url: "https://f.example/off" } } }';
    oneIssue(withSteps(`  - { name: a, percent: 5, hooks: [${hook}] }\n  - { name: b, percent: 100, hooks: [${hook}] }`), 'steps.1.hooks.0.name', /duplicate hook name "flag"/);
  });

  it('rejects an unknown service, naming the known ones', () => {
    oneIssue(good.replace('candidates: { backend: latest,', 'candidates: { frontend: latest,'), 'candidates.frontend', /unknown service "frontend" in group convex; known: backend \(oa-convex-backend-nonprod\), dashboard/);
    oneIssue(good.replace('{ services: [backend] }', '{ services: [api] }'), 'steps.0.analysis.probes.1.services.0', /unknown service "api"/);
  });

  it('rejects empty steps, and a plan without steps', () => {
    oneIssue('environment: nonprod\nserviceGroup: convex\nsteps: []\n', 'steps', /at least one step/);
    oneIssue('environment: nonprod\nserviceGroup: convex\n', 'steps', /expected array/);
  });

  it('rejects an unknown environment or service group, and a gate the environment cannot run', () => {
    oneIssue(good.replace('environment: nonprod', 'environment: prod'), 'environment', /"prod" is not in the config; known: nonprod/);
    oneIssue(good.replace('serviceGroup: convex', 'serviceGroup: khala'), 'serviceGroup', /"khala" is not defined in environment "nonprod"; known: convex/);
    oneIssue(good.replace('gates: [health, rollback]', 'gates: [health, backup-restore]'), 'steps.0.gates.1', /needs a backup section/);
  });

  it('rejects a 0 % step without a tag, and a tag probe without a tag', () => {
    oneIssue(withSteps('  - { name: a, percent: 0 }\n  - { name: b, percent: 100 }'), 'steps.0.tag', /0 % step needs a tag/);
    oneIssue(withSteps('  - { name: a, percent: 100, analysis: { probes: [{ target: tag }] } }'), 'steps.0.analysis.probes.0.target', /needs a tag/);
  });

  it('rejects malformed hooks, durations, thresholds, secrets and typos, naming the field', () => {
    oneIssue(withSteps('  - { name: a, percent: 100, hooks: [{ name: h, do: { http: { url: "https://x.example" }, command: { argv: [x] } }, undo: { command: { argv: [y] } } }] }'), 'steps.0.hooks.0.do', /exactly one of http or command/);
    oneIssue(withSteps('  - { name: a, percent: 100, hooks: [{ name: h, do: { command: { argv: [] } }, undo: { command: { argv: [y] } } }] }'), 'steps.0.hooks.0.do.command.argv', /at least the program/);
    oneIssue(withSteps('  - { name: a, percent: 100, hooks: [{ name: h, do: { command: { argv: [x] } } }] }'), 'steps.0.hooks.0.undo', /expected object/);
    oneIssue(withSteps('  - { name: a, percent: 100, bake: "2 days" }'), 'steps.0.bake', /duration like 90s/);
    oneIssue(withSteps('  - { name: a, percent: 100, analysis: { metrics: [{ name: lag, url: "https://m.example" }] } }'), 'steps.0.analysis.metrics.0.max', /needs a threshold/);
    oneIssue(withSteps('  - { name: a, percent: 100, analysis: { interval: 1m } }'), 'steps.0.analysis.probes', /at least one probe or metric/);
    oneIssue(withSteps('  - { name: a, percent: 100, hooks: [{ name: h, do: { http: { url: "https://x.example", secretHeaders: { authorization: "Bearer abc" } } }, undo: { command: { argv: [y] } } }] }'), 'steps.0.hooks.0.do.http.secretHeaders.authorization', /secret reference/);
    oneIssue(withSteps('  - { name: a, percent: 100, bake_time: 1h }'), 'steps.0', /bake_time/);
    oneIssue(withSteps('  - { name: a, percent: 100, tag: Staff }'), 'steps.0.tag', /Cloud Run traffic tag/);
    oneIssue(withSteps('  - { name: a, percent: 100, approval: { onTimeout: ignore } }'), 'steps.0.approval.onTimeout', /abort|hold/);
    oneIssue(withSteps('  - { name: a, percent: 100 }').replace('steps:', 'notify: { webhook: "hooks.slack.com/x" }\nsteps:'), 'notify.webhook', /URL or a secret reference/);
  });

  it('reports a YAML syntax error as a ConfigError', () => {
    assert.throws(() => parseRolloutPlan('steps: [\n', 'plan.yaml'), (err: unknown) => err instanceof ConfigError && /plan\.yaml is not valid YAML/.test(err.message));
  });
});

describe('rollout plan: endpoints from the environment', () => {
  const plan = (url: string): string => withSteps(`  - { name: a, percent: 100, hooks: [{ name: h, do: { http: { url: "${url}" } }, undo: { http: { url: "\${endpoints.flags}/off" } } }], analysis: { metrics: [{ name: lag, url: "\${endpoints.metrics}/lag", max: 25 }] } }`);

  it('expands ${endpoints.NAME} from the environment, so one plan fits every environment', () => {
    const { plan: p, context } = loadRolloutPlan(plan('${endpoints.flags}/cohorts/staff'), 'plan.yaml', config);
    assert.equal(p.steps[0]!.hooks[0]!.do.http!.url, 'https://flags.example/cohorts/staff');
    assert.equal(p.steps[0]!.analysis!.metrics[0]!.url, 'https://metrics.example/api/lag');
    assert.equal(context.environment, 'nonprod');
  });

  it('names the field that uses an unknown endpoint, and the known ones', () => {
    try {
      loadRolloutPlan(plan('${endpoints.flagz}/cohorts/staff'), 'plan.yaml', config);
      assert.fail('accepted');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.ok(err.issues.some((i) => /^steps\.0\.hooks\.0\.do\.http\.url: \$\{endpoints\.flagz\} is not defined in environments\.nonprod\.rollout\.endpoints \(known: flags, metrics\)/.test(i)), err.issues.join('\n'));
    }
  });
});

describe('rollout plan: timeline and expected duration', () => {
  it('lays the steps out on bakes, counts readings, and bounds the total only when every approval times out into an abort', () => {
    const t = planTimeline(parseRolloutPlan(good, 'plan.yaml'));
    assert.deepEqual(t.steps.map((s) => [s.name, s.startsAfterMs / 3_600_000, s.endsAfterMs / 3_600_000]), [
      ['staff', 0, 24],
      ['limited', 24, 72],
      ['ramp-25', 72, 73],
      ['ramp-50', 73, 74],
      ['full', 74, 74],
    ]);
    assert.equal(t.expectedTotalMs, 74 * 3_600_000);
    assert.equal(t.steps[0]!.readings, 24 * 12);
    assert.equal(t.approvals, 4);
    assert.equal(t.longestWithApprovalsMs, undefined, 'step staff holds on timeout: no upper bound');
    const text = renderPlanTimeline(t);
    assert.match(text, /1\. staff: 0% to the candidate, tag staff {2}\[T\+0s \.\. T\+1d\]/);
    assert.match(text, /approval: alice, bob, not the initiator, within 30m or hold/);
    assert.match(text, /Expected total: 3d 2h of bakes/);
    assert.match(text, /No upper bound/);
  });

  it('gives the longest duration when every approval has a timeout that aborts', () => {
    const t = planTimeline(parseRolloutPlan(withSteps('  - { name: a, percent: 10, bake: 1h, approval: { timeout: 30m } }\n  - { name: b, percent: 100, bake: 2h, approval: { required: false } }'), 'plan.yaml'));
    assert.equal(t.expectedTotalMs, 3 * 3_600_000);
    assert.equal(t.longestWithApprovalsMs, 3.5 * 3_600_000);
    assert.match(renderPlanTimeline(t), /Longest, if every approval waits until its timeout: 3h 30m/);
  });

  it('parses and formats durations', () => {
    assert.equal(durationMs('90s'), 90_000);
    assert.equal(durationMs('1.5h'), 5_400_000);
    assert.equal(durationMs('250ms'), 250);
    assert.throws(() => durationMs('5 minutes'), /not a duration/);
    assert.equal(formatDuration(90_000), '1m 30s');
    assert.equal(formatDuration(2 * 86_400_000 + 3_600_000), '2d 1h');
    assert.equal(formatDuration(0), '0s');
  });
});
