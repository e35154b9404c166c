import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import { createBackupActivities } from '../../src/activities/backup';
import { createReportActivities } from '../../src/activities/reports/write-report';
import { BackupConfigSchema } from '../../src/domain/config/schema';
import type { BackupRestoreInput, BackupRestoreResult } from '../../src/contracts/backup-restore';
import type { ReadinessGateResult } from '../../src/contracts/readiness-gate';
import { backupRestoreDrill } from '../../src/workflows/backup-restore';
import { testEnv } from '../support/temporal';
import { createTestWorker, emptyWorkerConfig, tempDir } from '../support/worker';
import { registerBackupRestore } from '../support/worker-config';
import { finishedRun } from '../../src/contracts/run-conclusion';

// Shaped like a self-hosted admin key (`instance|hex`).
const KEY = `drill-split|${'5e'.repeat(24)}${process.pid}`;

/**
 * Stands in for the `convex` CLI at the configured path: it reads the admin key from the env file
 * the adapter passes, as the real CLI does, and prints a 401 that echoes the key in two stderr
 * writes with a pause in between, so the worker receives it in two chunks.
 */
const ECHOING_CLI = `
const fs = require('node:fs');
const file = process.argv[process.argv.indexOf('--env-file') + 1];
const line = fs.readFileSync(file, 'utf8').split('\\n').find((l) => l.startsWith('CONVEX_SELF_HOSTED_ADMIN_KEY='));
const key = line.slice(line.indexOf('=') + 2, -1);
const half = Math.floor(key.length / 2);
process.stderr.write('\\u2716 Error: 401 Unauthorized: BadAdminKey: The provided admin key ' + key.slice(0, half));
setTimeout(() => {
  process.stderr.write(key.slice(half) + ' is not valid for this deployment\\n');
  process.exitCode = 1;
}, 400);
`;

/** Every string in a history, payloads (heartbeats, inputs, results) decoded as UTF-8. */
function historyText(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (value && typeof value === 'object') for (const v of Object.values(value)) historyText(v, out);
  return out;
}

describe('secrets stay inside: a key split across two stderr chunks of the convex CLI', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  let dir: string;

  before(async () => {
    env = await testEnv();
    dir = tempDir('split-key');
    process.env.DRILL_SPLIT_SOURCE_KEY = KEY;
    process.env.DRILL_SPLIT_SCRATCH_KEY = `${KEY}-scratch`;
  });
  after(() => {
    delete process.env.DRILL_SPLIT_SOURCE_KEY;
    delete process.env.DRILL_SPLIT_SCRATCH_KEY;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('never appears in the failure, the workflow history or the report', async () => {
    const cliPath = path.join(dir, 'echoing-convex-cli.js');
    fs.writeFileSync(cliPath, ECHOING_CLI);
    const input: BackupRestoreInput = {
      environment: 'split-key',
      production: false,
      backup: BackupConfigSchema.parse({
        source: { url: 'http://127.0.0.1:9', adminKey: 'env:DRILL_SPLIT_SOURCE_KEY' },
        scratch: { url: 'http://127.0.0.1:10', adminKey: 'env:DRILL_SPLIT_SCRATCH_KEY', instanceName: 'split-key-scratch' },
        restoreMode: 'scratch',
        snapshotDir: path.join(dir, 'snapshots'),
      }),
      restoreMode: 'scratch',
      authorization: { destructive: false, confirmed: false, requestedBy: 'ada' },
      approvers: [],
    };
    const config = emptyWorkerConfig();
    const request = registerBackupRestore(config, input);
    const activities = { ...createActivities({ dataDir: dir, config }), ...createBackupActivities({ convexCliPath: cliPath }) };
    const taskQueue = `split-key-${Date.now()}`;
    const worker = await createTestWorker(env, { activities, taskQueue, config });
    const workflowId = `split-key-${Date.now()}`;
    const handle = await env.client.workflow.start(backupRestoreDrill, { args: [request], workflowId, taskQueue });
    const result = await worker.runUntil(finishedRun<BackupRestoreResult>(handle));

    // The CLI really did print the key: the failure is the 401, with the key's place marked.
    assert.equal(result.verdict, 'FAIL');
    assert.equal(result.failure?.type, 'ConvexAdminKeyRejected');
    assert.match(result.failure!.message, /The provided admin key \[redacted\] is not valid/);

    const history = historyText(await handle.fetchHistory()).join('\n');
    assert.match(history, /\[redacted\]/, 'the failure is in the history');

    const report = createReportActivities(dir);
    const gate: ReadinessGateResult = {
      workflowId, environment: 'split-key', group: 'convex', scope: 'test', initiator: 'ada',
      startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), totalSeconds: 1, rtoTargetSeconds: 300,
      steps: [{ drill: 'backupRestore', workflowType: 'backupRestoreDrill', status: 'failed', workflowId, seconds: 1, result, error: result.failure!.message }],
      attestation: { state: 'not-yet-asked', timeoutSeconds: 60, onTimeout: 'fail' },
      criteria: [], remainingWork: [], verdict: 'FAIL',
    };
    const files = await report.writeGateReport(gate);
    const reportText = `${fs.readFileSync(files.markdown, 'utf8')}\n${fs.readFileSync(files.json, 'utf8')}`;
    assert.match(reportText, /The provided admin key \[redacted\]/);

    const half = Math.floor(KEY.length / 2);
    for (const [where, text] of [['result', JSON.stringify(result)], ['history', history], ['report', reportText]] as const) {
      assert.ok(!text.includes(KEY), `the key is in the ${where}`);
      assert.ok(!text.includes(KEY.slice(0, half)) && !text.includes(KEY.slice(half)), `half of the key is in the ${where}`);
    }
  });
});
