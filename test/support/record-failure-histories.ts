// Records the histories of runs whose verdict is FAIL, since a FAIL fails the workflow with its
// result (patched('failures-are-results')):  npx tsx test/support/record-failure-histories.ts
import type { WorkflowHandle } from '@temporalio/client';
import { finishedRun, type WithConclusion } from '../../src/contracts/run-conclusion';
import { attestDocsUpdate, gateStatusQuery } from '../../src/contracts/readiness-gate';
import { trafficLockWorkflowId } from '../../src/contracts/traffic-lock';
import { TASK_QUEUE } from '../../src/temporal/task-queue';
import { backupRestoreDrill } from '../../src/workflows/backup-restore';
import { healthDrill } from '../../src/workflows/health';
import { readinessGate } from '../../src/workflows/readiness-gate';
import { replayDrill } from '../../src/workflows/replay';
import { rollbackDrill } from '../../src/workflows/rollback';
import { runRecording, saveHistory } from './histories';
import { startStack } from './stack';
import { testEnv } from './temporal';

async function main(): Promise<void> {
  const stack = await startStack('record-failures');
  const env = await testEnv();
  const { faults } = stack.sandbox;
  const save = async (handle: WorkflowHandle, name: string): Promise<void> => {
    const result = await finishedRun<WithConclusion>(handle);
    const status = (await handle.describe()).status.name;
    if (result.verdict !== 'FAIL' || status !== 'FAILED') throw new Error(`${name}: ${result.verdict} ${status}, expected a FAIL that fails the workflow`);
    console.log(name, result.conclusion?.summary, await saveHistory(env.client, handle.workflowId, name));
  };
  // Environments of their own (copies of the sandbox's), so traffic-lock ids do not collide with other histories.
  const sandboxEnv = stack.workerConfig.environments.sandbox!;
  const envNamed = (name: string, edit: (e: typeof sandboxEnv) => typeof sandboxEnv = (e) => e): string => {
    stack.workerConfig.environments[name] = edit(structuredClone(sandboxEnv));
    return name;
  };

  faults.inject('backend', { status: 503 });
  await save(await env.client.workflow.start(healthDrill, { args: [{ environment: 'sandbox' }], workflowId: 'record-health-fail-result', taskQueue: TASK_QUEUE }), 'healthDrill-fail-result');
  // The replay test uses the file name as the workflow id, which the gate's child ids derive from.
  const gate = await env.client.workflow.start(readinessGate, { args: [{ environment: 'sandbox', initiator: 'recorder' }], workflowId: 'gate-record-fail', taskQueue: TASK_QUEUE });
  while ((await gate.query(gateStatusQuery)).attestation.state !== 'waiting') await new Promise((r) => setTimeout(r, 200));
  await gate.executeUpdate(attestDocsUpdate, { args: [{ attester: 'oncall', reason: 'runbook reviewed' }] });
  await save(gate, 'gate-record-fail');
  faults.clear();

  faults.inject('convex-import', { message: 'import refused by the recorder' });
  await save(await env.client.workflow.start(backupRestoreDrill, { args: [{ environment: 'sandbox', authorization: { destructive: false, confirmed: false, requestedBy: 'recorder' } }], workflowId: 'record-backup-fail-result', taskQueue: TASK_QUEUE }), 'backupRestoreDrill-fail-result');
  faults.clear();

  faults.inject('runtime-sink', { mode: 'noop' });
  await save(await env.client.workflow.start(replayDrill, { args: [{ environment: 'sandbox' }], workflowId: 'record-replay-fail-result', taskQueue: TASK_QUEUE }), 'replayDrill-fail-result');
  faults.clear();

  // RTO over its target: the drill ends, traffic restored, with a FAIL verdict.
  const rto = envNamed('recordrtofail', (e) => ({ ...e, rollback: { ...e.rollback!, rtoTargetSeconds: 0.001 } }));
  const rtoId = trafficLockWorkflowId(rto, 'convex');
  await save(await env.client.workflow.start(rollbackDrill, { args: [{ environment: rto, mode: 'apply', targets: {}, requestedBy: 'recorder' }], workflowId: rtoId, taskQueue: TASK_QUEUE }), rtoId);
  // A Cloud Run operation fails mid-drill: the compensation restores every service, read back.
  const op = envNamed('recordopfail');
  const opId = trafficLockWorkflowId(op, 'convex');
  faults.inject('cloud-run-fail-operations', { service: 'oa-convex-dashboard-sandbox' });
  await save(await env.client.workflow.start(rollbackDrill, { args: [{ environment: op, mode: 'apply', targets: {}, requestedBy: 'recorder' }], workflowId: opId, taskQueue: TASK_QUEUE }), opId);
  faults.clear();

  await stack.stop();
}

runRecording(main);
