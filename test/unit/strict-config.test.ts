import assert from 'node:assert/strict';
import { ConfigError, MAX_DOCUMENT_BYTES, parseConfig } from '../../src/domain/config/parse';
import { DURATION_CAPS_MS, SET_TIMEOUT_MAX_MS } from '../../src/domain/duration-limits';
import { HttpUrlSchema } from '../../src/domain/http-url';
import { editDistance, nearestName } from '../../src/domain/nearest-name';
import { resolveHookAction } from '../../src/domain/rollout/hook-resolution';
import { parseRolloutPlan } from '../../src/domain/rollout/plan-context';

const base = `
environments:
  nonprod:
    production: false
    cloudRun: { project: p, region: us-central1 }
    health: { backendUrl: https://b.example, dashboardUrl: https://d.example }
`;

function issuesOf(text: string): string[] {
  try {
    parseConfig(text, 'drillctl.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.issues.length ? err.issues : [err.message];
  }
  return assert.fail('config was accepted');
}

const withRollout = (rollout: string): string => `${base}    rollout:\n${rollout.replace(/^/gm, '      ')}\n`;

describe('strict config: names, production, URLs, durations, size', () => {
  it('suggests the nearest known name: case first, then a few edits, then a prefix; nothing when far off', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(nearestName('Production', ['production', 'sandbox']), 'production');
    assert.equal(nearestName('prodution', ['production', 'sandbox']), 'production');
    assert.equal(nearestName('sanbox', ['production', 'sandbox']), 'sandbox');
    assert.equal(nearestName('bake_time', ['name', 'bake', 'analysis']), 'bake');
    assert.equal(nearestName('colour', ['production', 'sandbox']), undefined);
  });

  it('refuses an unknown key, naming it and the key it most likely meant (Production -> production)', () => {
    const issues = issuesOf(base.replace('    production: false\n', '    Production: true\n'));
    assert.ok(issues.includes('environments.nonprod: unknown key "Production"; did you mean "production"?'), issues.join('\n'));
    const deeper = issuesOf(base.replace('region: us-central1 }', 'region: us-central1, projct: x }'));
    assert.ok(deeper.includes('environments.nonprod.cloudRun: unknown key "projct"; did you mean "project"?'), deeper.join('\n'));
    const top = issuesOf(`${base}defaultEnviroment: nonprod\n`);
    assert.ok(top.includes('(top level): unknown key "defaultEnviroment"; did you mean "defaultEnvironment"?'), top.join('\n'));
  });

  it('requires every non-sandbox environment to say production: true or false; a sandbox may leave it out', () => {
    const issues = issuesOf(base.replace('    production: false\n', ''));
    assert.deepEqual(issues, ['environments.nonprod.production: required: say production: true or production: false (only a sandbox may leave it out)']);
    const sandbox = parseConfig(base.replace('    production: false\n', '    sandbox: true\n'), 'drillctl.yaml');
    assert.equal(sandbox.environments.nonprod!.production, false);
    assert.equal(parseConfig(base.replace('production: false', 'production: true'), 'drillctl.yaml').environments.nonprod!.production, true);
  });

  it('accepts http and https URLs only, without credentials', () => {
    for (const ok of ['http://127.0.0.1:3210', 'https://backend.example.run.app/path', 'http://[::1]:8080/']) assert.ok(HttpUrlSchema.safeParse(ok).success, ok);
    for (const bad of ['file:///etc/passwd', 'ftp://files.example/x', 'javascript:alert(1)', 'gopher://x.example', 'backend.example', 'https://user:secret@backend.example']) assert.ok(!HttpUrlSchema.safeParse(bad).success, bad);
    const issues = issuesOf(base.replace('https://d.example', 'file:///etc/passwd').replace('https://b.example', 'https://admin:pw@b.example'));
    assert.ok(issues.includes('environments.nonprod.health.dashboardUrl: expected an absolute http(s) URL'), issues.join('\n'));
    assert.ok(issues.some((i) => i.startsWith('environments.nonprod.health.backendUrl: a URL may not carry credentials')), issues.join('\n'));
  });

  it('caps every duration below what its timer can honour', () => {
    for (const cap of [DURATION_CAPS_MS.httpRequest, DURATION_CAPS_MS.probeInterval, DURATION_CAPS_MS.hook, DURATION_CAPS_MS.runtimeCommand, DURATION_CAPS_MS.trafficSwitch, DURATION_CAPS_MS.analysisInterval]) {
      assert.ok(cap < SET_TIMEOUT_MAX_MS, `${cap} ms overflows setTimeout`);
    }
    const issues = issuesOf(
      base.replace('dashboardUrl: https://d.example }', 'dashboardUrl: https://d.example, timeoutMs: 3000000000 }') +
        '    rollback: { probeIntervalMs: 86400000, switchTimeoutSeconds: 9999999 }\n    gate: { attestationTimeoutSeconds: 99999999999 }\n',
    );
    assert.ok(issues.includes('environments.nonprod.health.timeoutMs: at most 300000 ms'), issues.join('\n'));
    assert.ok(issues.includes('environments.nonprod.rollback.probeIntervalMs: at most 60000 ms'), issues.join('\n'));
    assert.ok(issues.includes('environments.nonprod.rollback.switchTimeoutSeconds: at most 86400 seconds'), issues.join('\n'));
    assert.ok(issues.some((i) => i.startsWith('environments.nonprod.gate.attestationTimeoutSeconds: at most 7776000 seconds')), issues.join('\n'));
    const plan = (step: string): string => `environment: nonprod\nserviceGroup: convex\nsteps:\n  - { name: a, percent: 100, ${step} }\n`;
    assert.throws(() => parseRolloutPlan(plan('bake: 100000d'), 'plan.yaml'), (err: unknown) => err instanceof ConfigError && err.issues.includes('steps.0.bake: at most 90d'));
    assert.throws(() => parseRolloutPlan(plan('approval: { timeout: 91d }'), 'plan.yaml'), (err: unknown) => err instanceof ConfigError && err.issues.includes('steps.0.approval.timeout: at most 90d'));
    assert.throws(() => parseRolloutPlan(plan('analysis: { interval: 2d, probes: [{}] }'), 'plan.yaml'), (err: unknown) => err instanceof ConfigError && err.issues.includes('steps.0.analysis.interval: at most 1d'));
    assert.doesNotThrow(() => parseRolloutPlan(plan('bake: 90d'), 'plan.yaml'));
  });

  it('refuses config and plan files over 1 MiB before parsing them', () => {
    const padding = `# ${'x'.repeat(MAX_DOCUMENT_BYTES)}\n`;
    assert.throws(() => parseConfig(base + padding, 'big.yaml'), (err: unknown) => err instanceof ConfigError && /big\.yaml is \d+ bytes, over the 1048576-byte \(1 MiB\) limit/.test(err.message));
    // Multi-byte characters count as the bytes they are: 600 k of "é" is 1.2 MB.
    assert.throws(() => parseRolloutPlan(`# ${'é'.repeat(600_000)}\n`, 'plan.yaml'), /over the 1048576-byte \(1 MiB\) limit/);
    assert.doesNotThrow(() => parseConfig(base + `# ${'x'.repeat(MAX_DOCUMENT_BYTES - base.length - 100)}\n`, 'ok.yaml'));
  });
});

describe('strict config: cohort hooks and notification targets', () => {
  it('accepts declared hooks with parameters, and fills them in (URL-encoded in a URL, whole in argv)', () => {
    const config = parseConfig(
      withRollout(`hooks:
  cohort-flag:
    params: [cohort]
    do: { http: { method: PUT, url: "https://flags.example/cohorts/{cohort}", body: { cohort: "{cohort}", enabled: true } } }
    undo: { command: { argv: [flagctl, off, "--cohort={cohort}"], timeout: 30s } }
notifications:
  chat: { webhook: "env:SLACK_WEBHOOK" }
notify: chat`),
      'drillctl.yaml',
    );
    const rollout = config.environments.nonprod!.rollout;
    const done = resolveHookAction({ name: 'cohort-flag', params: { cohort: 'staff@a.b' } }, rollout, 'nonprod', 'do');
    assert.equal(done.http!.url, 'https://flags.example/cohorts/staff%40a.b');
    assert.deepEqual(done.http!.body, { cohort: 'staff@a.b', enabled: true });
    assert.deepEqual(resolveHookAction({ name: 'cohort-flag', params: { cohort: 'staff' } }, rollout, 'nonprod', 'undo').command!.argv, ['flagctl', 'off', '--cohort=staff']);
    assert.throws(() => resolveHookAction({ name: 'cohort-flags', params: { cohort: 'staff' } }, rollout, 'nonprod', 'do'), /hook "cohort-flags" is not declared in environments\.nonprod\.rollout\.hooks .*did you mean "cohort-flag"/);
    assert.throws(() => resolveHookAction({ name: 'cohort-flag', params: { cohort: '-rf' } }, rollout, 'nonprod', 'do'), /params\.cohort: expected a short value/);
    assert.equal(rollout.notify, 'chat');
  });

  it('names the field of a malformed hook or notification target', () => {
    const one = (rollout: string, field: string, message: RegExp): void => {
      const issues = issuesOf(withRollout(rollout));
      assert.ok(issues.some((i) => i.startsWith(`${field}: `) && message.test(i)), `expected "${field}: ${message}" among:\n${issues.join('\n')}`);
    };
    const at = 'environments.nonprod.rollout';
    one('hooks:\n  h: { do: { http: { url: "https://x.example" }, command: { argv: [x] } }, undo: { command: { argv: [y] } } }', `${at}.hooks.h.do`, /exactly one of http or command/);
    one('hooks:\n  h: { do: { command: { argv: [] } }, undo: { command: { argv: [y] } } }', `${at}.hooks.h.do.command.argv`, /at least the program/);
    one('hooks:\n  h: { do: { command: { argv: [x] } } }', `${at}.hooks.h.undo`, /expected object/);
    one('hooks:\n  h: { do: { http: { url: "https://x.example", secretHeaders: { authorization: "Bearer abc" } } }, undo: { command: { argv: [y] } } }', `${at}.hooks.h.do.http.secretHeaders.authorization`, /secret reference/);
    one('hooks:\n  h: { do: { command: { argv: [x, "{cohort}"] } }, undo: { command: { argv: [y] } } }', `${at}.hooks.h.do`, /\{cohort\} is used but not declared; add it to params/);
    one('hooks:\n  h: { do: { command: { argv: [x], timeout: 2h } }, undo: { command: { argv: [y] } } }', `${at}.hooks.h.do.command.timeout`, /at most 1h/);
    one('hooks:\n  h: { do: { http: { url: "ftp://x.example" } }, undo: { command: { argv: [y] } } }', `${at}.hooks.h.do.http.url`, /http\(s\) URL/);
    one('notifications:\n  chat: { webhook: "hooks.slack.com/x" }', `${at}.notifications.chat.webhook`, /http\(s\) URL or a secret reference/);
    one('notify: pager\nnotifications:\n  chat: { webhook: "env:SLACK" }', `${at}.notify`, /"pager" is not declared in rollout\.notifications \(known: chat\)/);
    one('notifyWebhook: "env:SLACK"', at, /"notifyWebhook" is not allowed here: declare the webhook under rollout\.notifications\.NAME\.webhook/);
  });
});
