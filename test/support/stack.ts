import type { Worker } from '@temporalio/worker';
import { readConfigFile } from '../../src/config-file';
import type { Config } from '../../src/domain/config/schema';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/sandbox';
import { runDrillctl, type CliRun } from './drillctl';
import { devServer, testEnv } from './temporal';
import { createTestWorker, tempDir } from './worker';

/** What an end-to-end test runs against: the shared dev server, a fresh sandbox and an in-process worker. */
export interface Stack {
  address: string;
  sandbox: Sandbox;
  home: string;
  /** The in-process worker's own config: a test changes what the worker does here, not in a CLI flag. */
  workerConfig: Config;
  /** `drillctl --config <sandbox config> ...args` as a subprocess, against this stack. */
  drillctl(args: string[], env?: NodeJS.ProcessEnv): Promise<CliRun>;
  stop(): Promise<void>;
}

export async function startStack(name: string, sandboxOptions: Omit<SandboxOptions, 'dataDir'> = {}): Promise<Stack> {
  const address = (await devServer()).address;
  const sandbox = await startSandbox({ dataDir: tempDir(`${name}-sandbox`), ...sandboxOptions });
  const home = tempDir(`${name}-home`);
  // The worker owns its config: the one the sandbox wrote, as `drillctl up` starts it.
  const workerConfig = readConfigFile(sandbox.configPath);
  const worker: Worker = await createTestWorker(await testEnv(), { dataDir: home, config: workerConfig });
  const running = worker.run();
  return {
    address,
    sandbox,
    home,
    workerConfig,
    drillctl: (args, env = {}) => runDrillctl(['--config', sandbox.configPath, ...args], { TEMPORAL_ADDRESS: address, DRILLCTL_HOME: home, ...env }),
    async stop() {
      worker.shutdown();
      await running;
      await sandbox.stop();
    },
  };
}
