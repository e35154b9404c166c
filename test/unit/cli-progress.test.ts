import assert from 'node:assert/strict';
import fs from 'node:fs';
import { parseRolloutPlan } from '../../src/domain/rollout/plan-context';
import { demoPlanText, EXAMPLE_PLAN } from '../../src/cli/commands/demo-rollout';
import { clock, heartbeatText, progressLine, renderProgress } from '../../src/cli/progress/render-progress';
import type { RunProgress } from '../../src/runs/run-progress';
import { DEMO_SIGNER } from '../../src/sandbox/demo-signer';

const running = (over: Partial<RunProgress> = {}): RunProgress => ({
  workflowId: 'backup-restore-sandbox-x',
  runId: 'r1',
  workflowType: 'backupRestoreDrill',
  kind: 'backup-restore',
  status: 'RUNNING',
  summary: 'Backup/restore drill on sandbox (scratch)',
  details: 'export: convex export from http://127.0.0.1:1\n\nDone: nothing yet',
  startedAt: '2026-01-01T00:00:00.000Z',
  elapsedMs: 72_000,
  activities: [{ activity: 'exportSnapshot', state: 'started', attempt: 1, heartbeat: { step: 'downloading', bytesDownloaded: 3 * 1024 * 1024 } }],
  children: [],
  ...over,
});

describe('CLI progress view', () => {
  it('says what heartbeats carry: bytes exported, bytes hashed, tables imported, probe streaks', () => {
    assert.equal(heartbeatText({ step: 'downloading', bytesDownloaded: 3 * 1024 * 1024 }), 'downloading, 3.0 MiB exported');
    assert.equal(heartbeatText({ step: 'hashing', bytesDone: 512, bytesTotal: 2048, entriesDone: 0, entriesTotal: 0, entries: [] }), 'hashing, 512 B of 2.0 KiB (25%)');
    assert.equal(heartbeatText({ startedAtMs: 1, step: 'importing', importedTables: 1 }), 'importing, 1 table imported');
    assert.equal(heartbeatText({ streak: 3, streakStartMs: 1, answers: 7, lastRevision: 'svc-00012-c7n' }), 'healthy streak 3 of 7 answers, serving svc-00012-c7n');
    assert.equal(heartbeatText(undefined), undefined);
  });

  it('renders a block with the clock, the current details and each activity; a log line without the clock', () => {
    const block = renderProgress(running());
    assert.match(block, /^Backup\/restore drill on sandbox \(scratch\): running 1:12$/m);
    assert.match(block, /^ {2}export: convex export from http:\/\/127\.0\.0\.1:1$/m);
    assert.match(block, /^ {2}> exportSnapshot: downloading, 3\.0 MiB exported$/m);
    assert.equal(progressLine(running()), 'export: convex export from http://127.0.0.1:1; exportSnapshot: downloading, 3.0 MiB exported');
    assert.equal(clock(3_725_000), '1:02:05');
  });

  it('shows a running child drill (a gate step) indented under its parent', () => {
    const child = running({ workflowId: 'child', summary: 'replay drill for readiness gate g', kind: 'replay', details: 'Seeding fixtures', activities: [] });
    const block = renderProgress(running({ kind: 'readiness-gate', summary: 'Readiness gate on sandbox / convex', details: undefined, activities: [], children: [child] }));
    assert.match(block, /^ {2}replay drill for readiness gate g: running 1:12\n {4}Seeding fixtures$/m);
  });
});

describe('demo plan', () => {
  it('is the example plan, every step and gate kept, with bakes of seconds and the demo signer among the approvers', () => {
    // The config fills in ${endpoints.*}; any URL does for the plan's own checks.
    const text = fs.readFileSync(EXAMPLE_PLAN, 'utf8').replace(/\$\{endpoints\.metrics\}/g, 'http://127.0.0.1:9');
    const example = parseRolloutPlan(text, EXAMPLE_PLAN);
    const demo = parseRolloutPlan(demoPlanText(text), 'demo-rollout.yaml');
    assert.deepEqual(demo.steps.map((s) => [s.name, s.percent, s.gates]), example.steps.map((s) => [s.name, s.percent, s.gates]));
    for (const step of demo.steps) {
      assert.equal(step.bake, '5s');
      assert.deepEqual(step.approval.approvers, ['alice', 'bob', DEMO_SIGNER]);
    }
  });
});
