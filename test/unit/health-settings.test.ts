import assert from 'node:assert/strict';
import { parseConfig } from '../../src/domain/config/parse';
import { loadRolloutPlan } from '../../src/domain/rollout/plan-context';
import type { SettingsError } from '../../src/settings/errors';
import { readinessGateSettings } from '../../src/settings/gate';
import { healthDrillSettings } from '../../src/settings/drills';
import { rolloutSettings } from '../../src/settings/rollout';

// One environment, many release groups (a platform team's): a gate reads its own group's Cloud Run
// readiness, not every group's (500 groups made each rollout's pre-flight read 550 services).
const config = parseConfig(
  `
environments:
  staging:
    production: false
    cloudRun: { project: p, region: us-central1 }
    health: { backendUrl: https://backend.example.run.app, dashboardUrl: https://dashboard.example.run.app }
    serviceGroups:
      alpha: { services: { backend: { service: alpha-backend }, dashboard: { service: alpha-dashboard } } }
      beta: { services: { backend: { service: beta-backend } } }
    gate: { serviceGroup: beta }
`,
  'drillctl.yaml',
);

describe('health drill settings: which services it reads', () => {
  it('without a group: every service of every group (drillctl drill health)', () => {
    assert.deepEqual(healthDrillSettings(config, { environment: 'staging' }).cloudRunServices, ['alpha-backend', 'alpha-dashboard', 'beta-backend']);
  });

  it('with a group: that group\'s services only', () => {
    assert.deepEqual(healthDrillSettings(config, { environment: 'staging', group: 'alpha' }).cloudRunServices, ['alpha-backend', 'alpha-dashboard']);
  });

  it('an unknown group is refused, naming the groups there are', () => {
    assert.throws(() => healthDrillSettings(config, { environment: 'staging', group: 'gamma' }), (err: SettingsError) => /no service group "gamma"/.test(err.message) && /alpha, beta/.test(err.hint ?? ''));
  });

  it('a rollout\'s pre-flight and health gate, and the readiness gate, read their own group', () => {
    const { plan } = loadRolloutPlan('environment: staging\nserviceGroup: alpha\ncandidates: { backend: latest }\nsteps:\n  - { name: all, percent: 100, gates: [health], approval: { required: false } }\n', 'plan.yaml', config);
    const rollout = rolloutSettings(config, { environment: 'staging', group: 'alpha', initiator: 'carol', plan });
    assert.deepEqual(rollout.preflightHealth?.input, { environment: 'staging', group: 'alpha' });
    assert.deepEqual(rollout.gates.health?.input, { environment: 'staging', group: 'alpha' });
    assert.deepEqual(readinessGateSettings(config, { environment: 'staging', initiator: 'carol' }).drills.health, { environment: 'staging', group: 'beta' });
  });
});
