// Records staged rollout histories whose bake reads a metric provider (Cloud Run's 5xx ratio from the
// Cloud Monitoring emulator, candidate against stable): one promoted, one stopped by the comparison.
// test/replay replays them. Run after a deliberate change to the bake in src/workflows/rollout/:
//   npx tsx test/support/record-analysis-histories.ts [environment prefix, default recordra]
import type { WorkflowHandle } from '@temporalio/client';
import { createActivities } from '../../src/activities';
import { closeMonitoringClients } from '../../src/activities/analysis/cloud-monitoring';
import { closeCloudRunClients } from '../../src/activities/traffic';
import { EnvironmentSchema, type Config } from '../../src/domain/config/schema';
import type { CloudRunSandbox } from '../../src/sandbox/cloud-run';
import { startCloudMonitoringEmulator } from '../../src/sandbox/monitoring';
import { startSandboxUsers } from '../../src/sandbox/rollout';
import { ROLLOUT_WORKFLOW } from '../../src/contracts/rollout';
import { startUnderTrafficLock } from '../../src/contracts/traffic-lock';
import { TASK_QUEUE } from '../../src/temporal/task-queue';
import { runRecording, saveHistory } from './histories';
import { BACKEND, CANDIDATE, rolloutInputFor, startRolloutCloudRun } from './rollout-sandbox';
import { testEnv } from './temporal';
import { createTestWorker, tempDir } from './worker';
import { registerRollout } from './worker-config';

const plan = `
environment: $ENV
serviceGroup: convex
steps:
  - name: canary
    percent: 50
    approval: { required: false }
    bake: 3s
    analysis:
      interval: 1s
      stopAfter: 2s
      onNotEnoughData: hold
      metrics:
        - { name: errors, provider: cloud-run, query: 5xx-ratio, services: [backend], window: 1m, minSamples: 5, compare: { maxRatio: 2, maxDifference: 0.02 } }
  - name: full
    percent: 100
    approval: { required: false }
`;

async function main(): Promise<void> {
  const prefix = process.argv[2] ?? 'recordra';
  const env = await testEnv();
  // The worker's config: each recording declares its environment's provider here.
  const config: Config = { environments: {} };
  const worker = await createTestWorker(env, { activities: createActivities({ dataDir: tempDir('record-analysis'), config }) });
  const record = async (environment: string, faulty: boolean): Promise<void> => {
    const sandbox: CloudRunSandbox = await startRolloutCloudRun();
    const monitoring = await startCloudMonitoringEmulator({ log: sandbox.requests, project: sandbox.project, location: sandbox.region });
    const users = startSandboxUsers([{ url: sandbox.group('convex').services.find((s) => s.role === 'backend')!.url, perSecond: 50 }]);
    if (faulty) sandbox.setRevisionFault(BACKEND, CANDIDATE[BACKEND], { kind: 'http-error', status: 503, share: 0.5 });
    config.environments[environment] = EnvironmentSchema.parse({
      sandbox: true,
      cloudRun: { project: sandbox.project, region: sandbox.region, apiEndpoint: sandbox.grpcAddress },
      rollout: { metricProviders: { 'cloud-run': { cloudMonitoring: { apiEndpoint: monitoring.address } } } },
    });
    const input = rolloutInputFor(sandbox, environment, plan);
    const h: WorkflowHandle = await startUnderTrafficLock(env.client.workflow, ROLLOUT_WORKFLOW, { environment, group: input.group, taskQueue: TASK_QUEUE, args: [registerRollout(config, input)] });
    await h.result().catch(() => undefined);
    console.log(await saveHistory(env.client, h.workflowId, h.workflowId));
    await users.stop();
    await closeCloudRunClients();
    await closeMonitoringClients();
    await monitoring.stop();
    await sandbox.stop();
  };
  await worker.runUntil(async () => {
    await record(prefix, false);
    await record(`${prefix}fail`, true);
  });
}

runRecording(main);
