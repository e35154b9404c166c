// Records a staged rollout history for each control path, for test/replay: pause and resume,
// set-bake, skip-bake, an approval timeout that aborts and one that holds, an abort during a bake,
// and continue-as-new. Run after a deliberate change to src/workflows/rollout/ (with a patched()
// guard for running rollouts):
//   npx tsx test/support/record-rollout-control-histories.ts [environment prefix, default ctl]
// A new prefix keeps the earlier histories, so the old and the patched-in paths both replay.
// Each rollout runs on a real dev server against its own Cloud Run sandbox, with the worker owning
// its config (registerRollout), as `drillctl rollout start` would. File names are the workflow ids:
// child gates' ids derive from the rollout's. A continued-as-new rollout saves its first run under
// its id and its last run under the id with `-last` (saveRunChain).
import type { WorkflowHandle } from '@temporalio/client';
import { createActivities } from '../../src/activities';
import { closeCloudRunClients } from '../../src/activities/traffic';
import { EnvironmentSchema, type Config } from '../../src/domain/config/schema';
import {
  abortUpdate,
  approveUpdate,
  pauseUpdate,
  resumeUpdate,
  ROLLOUT_WORKFLOW,
  rolloutStatusQuery,
  setBakeUpdate,
  skipBakeUpdate,
  type RolloutInput,
  type RolloutStatus,
} from '../../src/contracts/rollout';
import { startUnderTrafficLock } from '../../src/contracts/traffic-lock';
import { TASK_QUEUE } from '../../src/temporal/task-queue';
import { runRecording, saveRunChain } from './histories';
import { rolloutInputFor, startRolloutCloudRun, startTestEndpoint, type TestEndpoint } from './rollout-sandbox';
import { testEnv } from './temporal';
import { createTestWorker, tempDir } from './worker';
import { registerRollout } from './worker-config';

const analysis = 'analysis: { interval: 1s, probes: [{ samples: 2 }] }';

/** Two steps: a canary at 10 % (its approval, bake and extras as given) and the rest of the way with no approval. */
function plan(canary: { approval?: string; bake: string; extra?: string }, full: { approval?: string } = {}): string {
  return `
environment: $ENV
serviceGroup: convex
notify: { target: chat }
steps:
  - name: canary
    percent: 10
    approval: ${canary.approval ?? '{ required: false }'}
    bake: ${canary.bake}
${canary.extra ? `    ${canary.extra}\n` : ''}  - name: full
    percent: 100
    approval: ${full.approval ?? '{ required: false }'}
    bake: 1s
`;
}

interface Scenario {
  name: string;
  plan: string;
  over?: Partial<RolloutInput>;
  drive: (h: WorkflowHandle, until: (what: string, test: (s: RolloutStatus) => boolean) => Promise<void>) => Promise<void>;
}

const baking = (s: RolloutStatus): boolean => s.phase === 'baking' && s.currentStep === 'canary';
const waitingFor = (step: string) => (s: RolloutStatus) => s.phase === 'awaiting-approval' && s.currentStep === step;
const pauseMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

const scenarios: Scenario[] = [
  {
    name: 'pause',
    plan: plan({ bake: '4s', extra: analysis }),
    drive: async (h, until) => {
      await until('baking', baking);
      await h.executeUpdate(pauseUpdate, { args: [{ by: 'alice', reason: 'investigating a support ticket' }] });
      await pauseMs(2000);
      await h.executeUpdate(resumeUpdate, { args: [{ by: 'bob', reason: 'ticket unrelated' }] });
    },
  },
  {
    name: 'setbake',
    plan: plan({ approval: '{ approvers: [alice, bob] }', bake: '1h', extra: analysis }),
    drive: async (h, until) => {
      await until('waiting for approval of canary', waitingFor('canary'));
      await h.executeUpdate(approveUpdate, { args: [{ step: 'canary', approver: 'alice', reason: 'go' }] });
      await until('baking', baking);
      await h.executeUpdate(setBakeUpdate, { args: [{ by: 'bob', bake: '3s', reason: 'the canary is quiet' }] });
    },
  },
  {
    name: 'skipbake',
    plan: plan({ approval: '{ approvers: [alice, bob] }', bake: '1h' }),
    drive: async (h, until) => {
      await until('waiting for approval of canary', waitingFor('canary'));
      await h.executeUpdate(approveUpdate, { args: [{ step: 'canary', approver: 'alice', reason: 'go' }] });
      await until('baking', baking);
      await h.executeUpdate(skipBakeUpdate, { args: [{ by: 'bob', reason: 'metrics clean, incident commander agrees' }] });
    },
  },
  {
    name: 'timeoutabort',
    plan: plan({ bake: '1s' }, { approval: '{ approvers: [alice], timeout: 2s, onTimeout: abort }' }),
    drive: async () => undefined,
  },
  {
    name: 'timeouthold',
    plan: plan({ bake: '1s' }, { approval: '{ approvers: [alice], timeout: 2s, onTimeout: hold }' }),
    drive: async (h, until) => {
      await until('approval timed out', (s) => s.approvals.some((a) => a.decision === 'timed-out'));
      await h.executeUpdate(approveUpdate, { args: [{ step: 'full', approver: 'alice', reason: 'back from lunch' }] });
    },
  },
  {
    name: 'abortbake',
    plan: plan({ bake: '1h', extra: 'hooks: [{ name: cohort-flag, params: { cohort: canary } }]' }),
    drive: async (h, until) => {
      await until('baking', baking);
      await h.executeUpdate(abortUpdate, { args: [{ by: 'bob', reason: 'pager: projection lag' }] });
    },
  },
  {
    name: 'can',
    plan: plan({ bake: '5s', extra: analysis }),
    over: { continueAsNewAfterEvents: 80 },
    drive: async () => undefined,
  },
];

async function main(): Promise<void> {
  const prefix = process.argv[2] ?? 'ctl';
  const env = await testEnv();
  const flags = await startTestEndpoint();
  const chat: TestEndpoint = await startTestEndpoint();
  // The worker's config: each scenario's environment is added before its rollout starts.
  const config: Config = { environments: {} };
  const flag = (enabled: boolean) => ({ http: { method: 'PUT', url: `${flags.url}/cohorts/{cohort}`, body: { enabled } } });
  const rollout = { hooks: { 'cohort-flag': { params: ['cohort'], do: flag(true), undo: flag(false) } }, notifications: { chat: { webhook: chat.url } } };
  const worker = await createTestWorker(env, { config, activities: createActivities({ dataDir: tempDir('record-rollout-controls'), config }) });
  await worker.runUntil(async () => {
    for (const scenario of scenarios) {
      const sandbox = await startRolloutCloudRun();
      const environment = `${prefix}${scenario.name}`;
      config.environments[environment] = EnvironmentSchema.parse({ sandbox: true, production: false, rollout });
      const input = rolloutInputFor(sandbox, environment, scenario.plan, scenario.over);
      const h = await startUnderTrafficLock(env.client.workflow, ROLLOUT_WORKFLOW, { environment, group: input.group, taskQueue: TASK_QUEUE, args: [registerRollout(config, input)] });
      const until = async (what: string, test: (s: RolloutStatus) => boolean): Promise<void> => {
        const deadline = Date.now() + 60_000;
        while (!test(await h.query(rolloutStatusQuery))) {
          if (Date.now() > deadline) throw new Error(`${scenario.name}: the rollout never reached "${what}"`);
          await pauseMs(100);
        }
      };
      await scenario.drive(h, until);
      const outcome = await h.result().then(
        (r) => `${r.outcome}`,
        (err: Error) => `failed: ${err.message}`,
      );
      console.log(`${scenario.name}: ${outcome}`);
      for (const file of await saveRunChain(env.client, h.workflowId, h.firstExecutionRunId, 'last-run')) console.log(file);
      await sandbox.stop();
    }
  });
  await closeCloudRunClients();
  await flags.stop();
  await chat.stop();
}

runRecording(main);
