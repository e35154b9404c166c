import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runDrillctl, type CliRun } from '../support/drillctl';
import { freeServerPort } from '../support/ports';
import { repoRoot, tempDir } from '../support/worker';

/** Processes that belong to this data folder: named in their arguments (the dev server) or environment (sandbox, worker). */
function processesOf(home: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'utf8');
      if (cmdline.includes(home) || environ.split('\0').includes(`DRILLCTL_HOME=${home}`)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

describe('drillctl up and down', function () {
  this.timeout(600_000);
  const homes: string[] = [];

  function drillctl(home: string, port: number, args: string[]): Promise<CliRun> {
    // No TEMPORAL_ADDRESS from the test run's environment: --address decides.
    return runDrillctl(['--address', `127.0.0.1:${port}`, ...args], { DRILLCTL_HOME: home, TEMPORAL_ADDRESS: undefined }, 300_000);
  }

  after(async () => {
    // Whatever a failed assertion left behind.
    for (const home of homes) for (const pid of processesOf(home)) process.kill(pid, 'SIGKILL');
  });

  it('a failed up stops what it started, and down then finds nothing left', async () => {
    const home = tempDir('up-fails');
    homes.push(home);
    // The sandbox cannot create its folder where a file stands: `sandbox up` fails after the server started.
    fs.writeFileSync(path.join(home, 'sandbox'), 'not a folder\n');
    const port = await freeServerPort();

    const up = await drillctl(home, port, ['up']);
    assert.equal(up.code, 1, up.stdout + up.stderr);
    assert.match(up.stderr, /the sandbox exited during start-up/);
    assert.deepEqual(processesOf(home), [], 'no process of this up is left running');
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(home, 'processes.json'), 'utf8')), {});

    const down = await drillctl(home, port, ['down']);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(down.stdout.trim(), 'Nothing to stop.');
  });

  it('up, down, then up again with multi-byte characters in worker.log', async () => {
    const home = tempDir('up-again');
    homes.push(home);
    const port = await freeServerPort();

    const first = await drillctl(home, port, ['up']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stdout, /Started: server 127\.0\.0\.1:\d+, sandbox, worker/);
    assert.match(first.stdout, new RegExp(`Web UI: http://localhost:${port + 1000}`));
    const down = await drillctl(home, port, ['down']);
    assert.match(down.stdout, /Stopped: worker \(pid \d+\), sandbox \(pid \d+\), server \(pid \d+\)/);
    assert.deepEqual(processesOf(home), []);

    // What the convex CLI prints on a failed export: characters of two and three bytes, so that
    // byte and character offsets into the log differ.
    fs.appendFileSync(path.join(home, 'worker.log'), '✖ Failed to export: déjà vu — ünïcödé\n'.repeat(50));
    const second = await drillctl(home, port, ['up']);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.match(second.stdout, /Started: server 127\.0\.0\.1:\d+, sandbox, worker/);

    const processes = JSON.parse(fs.readFileSync(path.join(home, 'processes.json'), 'utf8')) as Record<string, { pid: number }>;
    assert.deepEqual(Object.keys(processes).sort(), ['sandbox', 'server', 'worker']);
    const again = await drillctl(home, port, ['down']);
    assert.match(again.stdout, /Stopped: worker .*sandbox .*server /);
    assert.deepEqual(processesOf(home), []);
  });

  it('a command run outside a checkout creates nothing there', async () => {
    const cwd = tempDir('outside');
    const run = await runDrillctl(['drill', 'health'], { DRILLCTL_CWD: cwd, DRILLCTL_HOME: undefined, DRILLCTL_CONFIG: undefined });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /no config file/);
    assert.match(run.stderr, /hint: nothing was started or changed/);
    assert.doesNotMatch(run.stderr, /field/);
    assert.deepEqual(fs.readdirSync(cwd), []);
  });

  it('--version prints the package version and exits 0', async () => {
    const run = await runDrillctl(['--version']);
    assert.equal(run.code, 0);
    const { version } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    assert.equal(run.stdout.trim(), version);
  });
});
