// Records the readiness-gate history that test/replay replays:  npx tsx test/support/record-gate-history.ts
import { attestDocsUpdate, gateStatusQuery } from '../../src/contracts/readiness-gate';
import { TASK_QUEUE } from '../../src/temporal/task-queue';
import { readinessGate } from '../../src/workflows/readiness-gate';
import { runRecording, saveHistory } from './histories';
import { startStack } from './stack';
import { testEnv } from './temporal';

async function main(): Promise<void> {
  const stack = await startStack('record-gate');
  const env = await testEnv();
  const input = { environment: 'sandbox', initiator: 'recorder' };
  // The replay test uses the file name as the workflow id, which the gate's child ids derive from.
  const workflowId = 'gate-record-pass';
  const handle = await env.client.workflow.start(readinessGate, { args: [input], workflowId, taskQueue: TASK_QUEUE });
  while ((await handle.query(gateStatusQuery)).attestation.state !== 'waiting') await new Promise((r) => setTimeout(r, 200));
  await handle.executeUpdate(attestDocsUpdate, { args: [{ attester: 'oncall', reason: 'runbook reviewed' }] });
  console.log((await handle.result()).verdict, await saveHistory(env.client, workflowId, workflowId));
  await stack.stop();
}

runRecording(main);
