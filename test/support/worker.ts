import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import { createSettingsActivities } from '../../src/activities/settings';
import type { Config } from '../../src/domain/config/schema';
import { TASK_QUEUE } from '../../src/temporal/task-queue';

export const repoRoot = path.resolve(__dirname, '..', '..');

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The product's workflows, bundled once per mocha run. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never });
  return bundle;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `drillctl-${prefix}-`));
}

/**
 * A worker's config that tests fill as they go: each test registers the environments it uses
 * (their sandboxes start on fresh ports), and the worker's activities read them by reference.
 */
export function emptyWorkerConfig(): Config {
  return { environments: {} };
}

/** A config file for a worker process (tests write the environments they use). */
export function workerConfigFile(config: Config): string {
  const file = path.join(tempDir('worker-config'), 'config.json');
  fs.writeFileSync(file, JSON.stringify(config));
  return file;
}

/** A worker with the real activities (or overrides), in this process, on the shared task queue. */
export async function createTestWorker(env: TestWorkflowEnvironment, opts: { activities?: object; taskQueue?: string; dataDir?: string; config?: Config } = {}): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    workflowBundle: await workflowBundle(),
    // Hand-written fakes replace the side effects; settings still come from the test's worker config.
    activities: opts.activities
      ? { ...createSettingsActivities({ dataDir: opts.dataDir ?? tempDir('worker'), config: opts.config ?? emptyWorkerConfig() }), ...opts.activities }
      : createActivities({ dataDir: opts.dataDir ?? tempDir('worker'), config: opts.config ?? emptyWorkerConfig() }),
  });
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves when the worker polls its task queue. */
  ready: Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  output(): string;
}

/** The real worker entry point (src/worker.ts) as a child process, so a test can SIGKILL it. */
export function startWorkerProcess(address: string, env: NodeJS.ProcessEnv = {}): WorkerProcess {
  // The worker owns its config: a test names the file it runs with (the sandbox's, or one it wrote).
  if (!env.DRILLCTL_CONFIG) throw new Error('startWorkerProcess needs DRILLCTL_CONFIG: the config file the worker runs with');
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(repoRoot, 'src', 'worker.ts')], {
    cwd: repoRoot,
    env: { ...process.env, TEMPORAL_ADDRESS: address, DRILLCTL_HOME: env.DRILLCTL_HOME ?? tempDir('worker-home'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (out.includes('worker polling')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before polling:\n${out}`)));
  });
  ready.catch(() => undefined);
  return {
    child,
    ready,
    output: () => out,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await gone;
    },
  };
}
