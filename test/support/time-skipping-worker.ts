import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { timeSkippingEnv } from './rollout-sandbox';
import { createTestWorker } from './worker';

type TestWorkerOptions = NonNullable<Parameters<typeof createTestWorker>[1]>;

/**
 * Mocha hooks for a describe block that runs on the time-skipping server: one server and one worker
 * for the whole block (options read when it starts), handed to `use`, and both stopped after it.
 */
export function useTimeSkippingWorker(options: () => TestWorkerOptions, use: (env: TestWorkflowEnvironment) => void): void {
  let env: TestWorkflowEnvironment | undefined;
  let stop: (() => Promise<void>) | undefined;
  before(async () => {
    env = await timeSkippingEnv();
    use(env);
    const worker = await createTestWorker(env, options());
    const running = worker.run();
    stop = async () => {
      worker.shutdown();
      await running;
    };
  });
  after(async () => {
    await stop?.();
    await env?.teardown();
  });
}
