import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { CliRun } from '../support/drillctl';
import { repoRoot } from '../support/worker';
import { startStack, type Stack } from '../support/stack';
import { testEnv } from '../support/temporal';

// eslint-disable-next-line no-control-regex -- the escape character is what a terminal view would write
const ANSI = /\u001b\[/;

function ok(run: CliRun): void {
  assert.equal(run.code, 0, `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
}

/** A one-step rollout of the sandbox group straight to 100 %, behind a health gate; approvals not required. */
function shortPlan(stack: Stack): string {
  const file = path.join(stack.home, 'rollout-short.yaml');
  fs.writeFileSync(
    file,
    ['environment: sandbox-rollout', 'serviceGroup: convex', 'candidates: { backend: latest, dashboard: latest }', 'steps:', '  - { name: full, percent: 100, gates: [health], approval: { required: false }, bake: 1s }', ''].join('\n'),
  );
  return file;
}

describe('drillctl status, report and --detach for every kind of run (subprocess, real server, worker and sandbox)', () => {
  let stack: Stack;
  let client: Client;
  before(async () => {
    client = (await testEnv()).client;
    stack = await startStack('status-report');
  });
  after(() => stack.stop());

  it('a backup/restore drill started with --detach returns at once, goes on, and `status --watch`, `status` and `report` pick it up', async () => {
    const detached = await stack.drillctl(['--json', 'drill', 'backup-restore', '--detach']);
    const returnedAt = Date.now();
    ok(detached);
    const { workflowId } = JSON.parse(detached.stdout) as { workflowId: string };
    assert.match(workflowId, /^backup-restore-/);
    // The command returned before the drill ended: the drill closed after it (or still runs).
    const first = await client.workflow.getHandle(workflowId).describe();
    assert.ok(first.status.name === 'RUNNING' || (first.closeTime?.getTime() ?? 0) > returnedAt - 50, `the drill had ended before --detach returned: ${first.status.name}`);

    const watched = await stack.drillctl(['status', workflowId, '--watch']);
    ok(watched);
    // Not a terminal: plain progress lines, no escape codes, then the report.
    assert.doesNotMatch(watched.stdout, ANSI);
    // A quick drill may be past its export when the watch attaches: any phase's progress line will do.
    assert.match(watched.stdout, /^\[\d+:\d\d\] (export|verify|restore|retention)/m, watched.stdout);
    assert.match(watched.stdout, /Backup\/restore drill on sandbox: PASS/);
    assert.match(watched.stdout, /completed/);

    const status = await stack.drillctl(['status', workflowId]);
    ok(status);
    assert.match(status.stdout, /Backup\/restore drill on \w+.*: completed/);
    assert.match(status.stdout, /Snapshot: .*\.zip/);

    const report = await stack.drillctl(['report', workflowId]);
    ok(report);
    assert.match(report.stdout, /Backup\/restore drill on sandbox: PASS/);
    assert.match(report.stdout, /Phases: export .*verify/);
    const json = await stack.drillctl(['report', workflowId, '--format', 'json']);
    ok(json);
    const result = JSON.parse(json.stdout) as { verdict: string; workflowId: string; snapshotBytes: number };
    assert.equal(result.verdict, 'PASS');
    assert.equal(result.workflowId, workflowId);
    assert.ok(result.snapshotBytes > 0);
  });

  it('a replay drill run in the foreground shows plain progress lines on stderr when not a terminal, and `status`/`report` find it afterwards', async () => {
    const run = await stack.drillctl(['--json', 'drill', 'replay']);
    ok(run);
    const { workflowId, verdict } = JSON.parse(run.stdout) as { workflowId: string; verdict: string };
    assert.equal(verdict, 'PASS');
    assert.doesNotMatch(run.stderr, ANSI);
    assert.match(run.stderr, /^\[\d+:\d\d\] .*(seed|reproject)/m, run.stderr);

    const status = await stack.drillctl(['--json', 'status', workflowId]);
    ok(status);
    const s = JSON.parse(status.stdout) as { kind: string; status: string; result: { verdict: string } };
    assert.deepEqual([s.kind, s.status, s.result.verdict], ['replay', 'COMPLETED', 'PASS']);

    const report = await stack.drillctl(['report', workflowId]);
    ok(report);
    assert.match(report.stdout, /Replay drill on sandbox: PASS/);
  });

  it('on a terminal, `status --watch` draws one live view that it erases and redraws, then prints the report', async () => {
    // A backup drill: long enough (export, verify, restore, compare) to still run when the watch starts.
    const detached = await stack.drillctl(['--json', 'drill', 'backup-restore', '--detach']);
    ok(detached);
    const { workflowId } = JSON.parse(detached.stdout) as { workflowId: string };
    // util-linux `script` gives the command a pseudo-terminal, as a person's shell does.
    const command = [process.execPath, path.join(repoRoot, 'bin', 'drillctl.js'), '--config', stack.sandbox.configPath, 'status', workflowId, '--watch'].map((a) => `'${a}'`).join(' ');
    // A new pseudo-terminal has no size (0 x 0), in which log-update draws nothing; a person's has one.
    const { stdout } = await promisify(execFile)('script', ['-qec', `stty rows 50 cols 160; ${command}`, '/dev/null'], {
      env: { ...process.env, TEMPORAL_ADDRESS: stack.address, DRILLCTL_HOME: stack.home, DRILLCTL_FROM_SOURCE: '1', TERM: 'xterm' },
      timeout: 120_000,
    });
    assert.ok(stdout.includes('\u001b[2K'), `the live view never erased its lines: ${JSON.stringify(stdout.slice(0, 600))}`);
    assert.doesNotMatch(stdout, /^\[\d+:\d\d\] /m, 'a terminal got plain log lines');
    assert.match(stdout, /Backup\/restore drill on sandbox: .*PASS/);
  });

  it('a rollout: `status <id>` while it runs, `status --watch` to its end, then `report <id>`', async () => {
    const started = await stack.drillctl(['--json', 'rollout', 'start', '-f', shortPlan(stack), '--as', 'carol']);
    ok(started);
    const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };

    const status = await stack.drillctl(['status', workflowId]);
    ok(status);
    assert.match(status.stdout, /Staged rollout of convex on sandbox-rollout.*: running/);
    assert.match(status.stdout, /Rollout traffic-sandbox-rollout-convex|Now: /);

    const watched = await stack.drillctl(['status', workflowId, '--watch']);
    ok(watched);
    assert.doesNotMatch(watched.stdout, ANSI);
    assert.match(watched.stdout, /Outcome: \*\*PROMOTED\*\*/);

    const report = await stack.drillctl(['report', workflowId]);
    ok(report);
    assert.match(report.stdout, /Outcome: \*\*PROMOTED\*\*/);

    const wrong = await stack.drillctl(['report', 'no-such-run']);
    assert.equal(wrong.code, 2, wrong.stderr);
  });
});
