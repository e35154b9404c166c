import assert from 'node:assert/strict';
import { ConfigError, parseConfig, selectEnvironment } from '../../src/domain/config/parse';

const valid = `
environments:
  nonprod:
    production: false
    cloudRun: { project: openagentsgemini, region: us-central1 }
    health:
      backendUrl: https://backend.example.run.app
      dashboardUrl: https://dashboard.example.run.app
    backup:
      source: { url: https://backend.example.run.app, adminKey: env:CONVEX_ADMIN_KEY }
`;

function issuesOf(text: string): string[] {
  try {
    parseConfig(text, 'drillctl.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.issues;
  }
  assert.fail('config was accepted');
}

describe('config', () => {
  it('accepts a valid file and fills in defaults', () => {
    const config = parseConfig(valid, 'drillctl.yaml');
    const { name, env } = selectEnvironment(config, undefined, 'drillctl.yaml');
    assert.equal(name, 'nonprod');
    assert.equal(env.production, false);
    assert.equal(env.health?.attempts, 3);
    assert.equal(env.rollback.rtoTargetSeconds, 300);
  });

  it('names the field path of every invalid value', () => {
    const issues = issuesOf(valid.replace('https://dashboard.example.run.app', 'not a url').replace('env:CONVEX_ADMIN_KEY', 'sk_live_123'));
    assert.ok(issues.some((i) => i.startsWith('environments.nonprod.health.dashboardUrl:')), issues.join('\n'));
    assert.ok(issues.some((i) => i.startsWith('environments.nonprod.backup.source.adminKey:') && i.includes('secret reference')), issues.join('\n'));
  });

  it('reads each service\'s revision identity: none by default, a header, a version endpoint; refuses anything else naming the field', () => {
    const withServices = (services: string) => `${valid}    serviceGroups:\n      convex:\n        services:\n${services}`;
    const config = parseConfig(
      withServices(
        '          backend: { service: oa-backend, probe: { path: /version, identity: { versionEndpoint: { path: /version, field: version } } } }\n' +
          '          dashboard: { service: oa-dashboard, probe: { identity: { header: x-k-revision } } }\n' +
          '          worker: { service: oa-worker }\n',
      ),
      'drillctl.yaml',
    );
    const services = config.environments.nonprod!.serviceGroups.convex!.services;
    assert.deepEqual(services.backend!.probe.identity, { versionEndpoint: { path: '/version', field: 'version' } });
    assert.deepEqual(services.dashboard!.probe.identity, { header: 'x-k-revision' });
    assert.equal(services.worker!.probe.identity, 'none');
    const issues = issuesOf(withServices('          backend: { service: oa-backend, probe: { identity: { headr: x } } }\n'));
    assert.ok(issues.some((i) => i.startsWith('environments.nonprod.serviceGroups.convex.services.backend.probe.identity:') && i.includes('expected identity: none, { header: NAME } or { versionEndpoint: { path, field } }')), issues.join('\n'));
  });

  it('refuses an emulator endpoint outside a sandbox environment', () => {
    const issues = issuesOf(valid.replace('region: us-central1 }', 'region: us-central1, apiEndpoint: "127.0.0.1:9999" }'));
    assert.deepEqual(issues, ['environments.nonprod.cloudRun.apiEndpoint: only sandbox environments may override the Cloud Run API endpoint; remove it or set sandbox: true']);
  });

  it('refuses a production sandbox', () => {
    const issues = issuesOf(valid.replace('    production: false\n', '    production: true\n    sandbox: true\n'));
    assert.deepEqual(issues, ['environments.nonprod.sandbox: a production environment cannot be a sandbox']);
  });

  it('reports YAML syntax errors with the file name', () => {
    assert.throws(() => parseConfig('environments: [unclosed', 'bad.yaml'), /bad\.yaml is not valid YAML or JSON/);
  });

  it('asks for --env when several environments exist and none is default', () => {
    const config = parseConfig(valid + '  prod:\n    production: true\n', 'drillctl.yaml');
    assert.throws(() => selectEnvironment(config, undefined, 'drillctl.yaml'), /pass --env with one of: nonprod, prod/);
    assert.throws(() => selectEnvironment(config, 'staging', 'drillctl.yaml'), /environment "staging" is not defined/);
  });
});
