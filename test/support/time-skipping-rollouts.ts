import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import { closeCloudRunClients } from '../../src/activities/traffic';
import type { Config } from '../../src/domain/config/schema';
import type { CloudRunSandbox } from '../../src/sandbox/cloud-run';
import { ROLLOUT_WORKFLOW, rolloutStatusQuery, type RolloutRequest, type RolloutStatus } from '../../src/contracts/rollout';
import { startUnderTrafficLock } from '../../src/contracts/traffic-lock';
import { startRolloutCloudRun } from './rollout-sandbox';
import { useTimeSkippingWorker } from './time-skipping-worker';
import { tempDir } from './worker';

export interface SigningKey {
  /** The private key file, as `drillctl ... --key` takes it. */
  key: string;
  pub: string;
}

/** Real ed25519 keys from the real ssh-keygen, one per name, and an allowed_signers file (namespace drillctl) naming `allowed`. */
export function signingKeys<N extends string>(dir: string, names: readonly N[], allowed: readonly N[] = names): { keys: Record<N, SigningKey>; allowedSignersFile: string } {
  const keys = {} as Record<N, SigningKey>;
  for (const name of names) {
    const key = path.join(dir, name);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${name}@laptop`, '-f', key]);
    keys[name] = { key, pub: fs.readFileSync(`${key}.pub`, 'utf8').trim() };
  }
  const allowedSignersFile = path.join(dir, 'allowed_signers');
  fs.writeFileSync(allowedSignersFile, allowed.map((name) => `${name} namespaces="drillctl" ${keys[name].pub}`).join('\n') + '\n');
  return { keys, allowedSignersFile };
}

export interface TimeSkippingRollouts {
  readonly env: TestWorkflowEnvironment;
  /** The running test's own Cloud Run emulator, holding the rollout service group. */
  readonly sandbox: CloudRunSandbox;
  /** Starts a rollout under its group's traffic lock; one still running when its test ends is terminated. */
  start(request: RolloutRequest): Promise<WorkflowHandle>;
  /** Polls the status (real time) until `test` holds; at a bake, skips the test server's time to the bake's end. */
  until(h: WorkflowHandle, what: string, test: (s: RolloutStatus) => boolean): Promise<RolloutStatus>;
}

/**
 * Mocha hooks for rollouts on the time-skipping server: one worker for the block with real activities
 * on the worker's `config` (each test declares its environment there), and a fresh Cloud Run emulator per test.
 */
export function useTimeSkippingRollouts(taskQueue: string, config: Config, name: string): TimeSkippingRollouts {
  let env: TestWorkflowEnvironment | undefined;
  let sandbox: CloudRunSandbox | undefined;
  const started: WorkflowHandle[] = [];
  useTimeSkippingWorker(() => ({ taskQueue, activities: createActivities({ dataDir: tempDir(`${name}-worker`), config }) }), (e) => (env = e));
  beforeEach(async () => {
    sandbox = await startRolloutCloudRun();
  });
  afterEach(async () => {
    for (const h of started.splice(0)) await h.terminate('test finished').catch(() => undefined);
    await closeCloudRunClients();
    await sandbox?.stop();
  });

  const rollouts: TimeSkippingRollouts = {
    get env() {
      return env ?? assert.fail('the time-skipping server starts in the block\'s before hook');
    },
    get sandbox() {
      return sandbox ?? assert.fail('the Cloud Run emulator starts in each test\'s beforeEach hook');
    },
    async start(request) {
      const h = await startUnderTrafficLock(rollouts.env.client.workflow, ROLLOUT_WORKFLOW, { environment: request.environment, group: request.group, taskQueue, args: [request] });
      started.push(h);
      return h;
    },
    async until(h, what, test) {
      const deadline = Date.now() + 90_000;
      let last: RolloutStatus | undefined;
      while (Date.now() < deadline) {
        last = await h.query(rolloutStatusQuery);
        if (test(last)) return last;
        if (last.phase === 'baking' && !last.paused) {
          // The test server skips to the bake's end.
          const rec = last.steps[last.stepIndex]!;
          await rollouts.env.sleep(Math.max(1000, rec.bakeMs - rec.bakedMs + 1000));
        } else await new Promise((r) => setTimeout(r, 100));
      }
      const window = last?.changeWindow ? `, ${JSON.stringify(last.changeWindow)}` : '';
      return assert.fail(`rollout never reached "${what}"; last phase ${last?.phase} at step ${last?.currentStep}${window}`);
    },
  };
  return rollouts;
}
