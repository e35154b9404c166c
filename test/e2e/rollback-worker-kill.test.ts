import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox';
import type { RollbackDrillResult } from '../../src/contracts/rollback';
import { runDrillctl } from '../support/drillctl';
import { devServer } from '../support/temporal';
import { startWorkerProcess, tempDir, type WorkerProcess } from '../support/worker';

const BACKEND = 'oa-convex-backend-sandbox';
const DASHBOARD = 'oa-convex-dashboard-sandbox';
const LATEST_100 = [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', revision: '', percent: 100, tag: '' }];

describe('rollback drill survives a worker SIGKILL between switch and restore (worker as a child process)', () => {
  let sandbox: Sandbox;
  const workers: WorkerProcess[] = [];

  after(async () => {
    for (const w of workers) await w.kill('SIGTERM');
    await sandbox?.stop();
  });

  it('a new worker finishes the drill and traffic ends exactly as it started', async () => {
    const { address } = await devServer();
    const home = tempDir('rollback-kill-home');
    sandbox = await startSandbox({ dataDir: tempDir('rollback-kill-sandbox') });
    const config = parse(fs.readFileSync(sandbox.configPath, 'utf8')) as { environments: { sandbox: { rollback: Record<string, unknown> } } };
    // Hold the rollback targets long enough that the kill lands between switch and restore.
    config.environments.sandbox.rollback.holdSeconds = 5;
    const configPath = path.join(home, 'config.yaml');
    fs.writeFileSync(configPath, stringify(config));
    const cloudRun = sandbox.cloudRun;
    const originals = [cloudRun.view(BACKEND).traffic, cloudRun.view(DASHBOARD).traffic];

    const first = startWorkerProcess(address, { DRILLCTL_HOME: home, DRILLCTL_CONFIG: configPath });
    workers.push(first);
    await first.ready;
    const drill = runDrillctl(['--config', configPath, '--json', 'drill', 'rollback', '--apply'], { TEMPORAL_ADDRESS: address, DRILLCTL_HOME: home }, 240_000);

    for (const [service, target] of [[BACKEND, `${BACKEND}-00010-kpf`], [DASHBOARD, `${DASHBOARD}-00001-8rs`]] as const) {
      await cloudRun.waitForSwitch(service, (r) => r.routing.weights[0]?.revision === target, { timeoutMs: 60_000 });
    }
    await first.kill('SIGKILL');
    assert.equal(cloudRun.view(BACKEND).traffic[0]?.revision, `${BACKEND}-00010-kpf`, 'killed while the rollback target serves');

    const second = startWorkerProcess(address, { DRILLCTL_HOME: home, DRILLCTL_CONFIG: configPath });
    workers.push(second);
    await second.ready;
    const run = await drill;
    assert.equal(run.code, 0, `${run.stderr}\nworker:\n${second.output()}`);
    const out = JSON.parse(run.stdout) as RollbackDrillResult;
    assert.equal(out.trafficRestored, true);
    assert.equal(out.verdict, 'PASS', out.reasons.join('; '));
    assert.deepEqual([cloudRun.view(BACKEND).traffic, cloudRun.view(DASHBOARD).traffic], originals);
    assert.deepEqual(originals, [LATEST_100, LATEST_100]);
    const back = await cloudRun.waitForSwitch(BACKEND, (r) => r.routing.weights[0]?.revision === `${BACKEND}-00011-v4r` && r.generation > 3);
    assert.ok(back);
  });
});
