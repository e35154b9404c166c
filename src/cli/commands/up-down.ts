import path from 'node:path';
import type { Command } from 'commander';
import type * as Proto from '@temporalio/proto';
import { startDevServer, waitForServer } from '../../temporal/dev-server';
import { connectClient, type TemporalTarget } from '../../temporal/connection';
import { TASK_QUEUE } from '../../temporal/task-queue';
import { webUiBase } from '../../temporal/web-ui';
import { WORKER_PROCESS_ENV } from '../../temporal/worker-process-env';
import { ensureDataDir, dataDir } from '../data-dir';
import { isAlive, readProcesses, spawnDrillctl, stopProcess, waitFor, writeProcesses, type ProcessName, type ProcessTable } from '../background';
import { emit } from '../output';
import { temporalTarget, type GlobalOptions } from '../context';
import { readSandboxState } from './sandbox';
import { DEFAULT_SERVER_PORT } from './server';

export interface UpResult {
  address: string;
  webUi: string;
  configPath: string;
  started: string[];
  reused: string[];
  logs: string;
}

async function answers(address: string): Promise<boolean> {
  return waitForServer(address, 'default', 1500).then(() => true, () => false);
}

/**
 * True once the worker with this pid long-polls drillctl's workflow task queue, as Temporal itself
 * reports it (DescribeTaskQueue lists recent pollers by identity, which the SDK sets to
 * `<pid>@<host>`). The worker's log is not read: it is shared by every start and holds whatever the
 * activities printed.
 */
export async function workerPolls(target: TemporalTarget, pid: number): Promise<boolean> {
  const client = await connectClient(target);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { temporal } = require('@temporalio/proto') as typeof Proto;
    const res = await client.workflowService.describeTaskQueue({
      namespace: target.namespace,
      taskQueue: { name: TASK_QUEUE, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    return (res.pollers ?? []).some((p) => p.identity?.startsWith(`${pid}@`));
  } finally {
    await client.connection.close();
  }
}

/**
 * Starts the embedded dev server, the sandbox and a worker in the background, each only if it is
 * not already running. Each start is recorded as soon as it happens, so `drillctl down` finds it
 * whatever happens next; if a later one fails, what this call started is stopped again.
 */
export async function bringUp(global: GlobalOptions): Promise<UpResult> {
  const dir = ensureDataDir();
  const procs: ProcessTable = readProcesses(dir);
  const started: string[] = [];
  const startedNow: ProcessName[] = [];
  const reused: string[] = [];
  const address = global.address ?? process.env.TEMPORAL_ADDRESS ?? `127.0.0.1:${DEFAULT_SERVER_PORT}`;
  const target = temporalTarget({ ...global, address });
  const record = (name: ProcessName, pid: number, log: string, extra: Record<string, unknown> = {}): void => {
    procs[name] = { pid, startedAt: new Date().toISOString(), log, ...extra };
    startedNow.push(name);
    writeProcesses(dir, procs);
  };

  try {
    if (await answers(address)) {
      reused.push(`server ${address}`);
    } else {
      const log = path.join(dir, 'server.log');
      const port = Number(address.split(':').pop());
      if (!Number.isInteger(port)) throw new Error(`cannot start a dev server on ${address}: no port`);
      const server = await startDevServer({ port, uiPort: port + 1000, dbFile: path.join(dir, 'temporal.db'), logFile: log, detached: true });
      record('server', server.process.pid!, log, { address });
      started.push(`server ${address}`);
    }

    let sandbox = readSandboxState();
    if (sandbox && isAlive(sandbox.pid)) {
      reused.push('sandbox');
    } else {
      const log = path.join(dir, 'sandbox.log');
      const pid = spawnDrillctl(['sandbox', 'up'], log);
      record('sandbox', pid, log);
      sandbox = await waitFor('the sandbox', () => {
        if (!isAlive(pid)) throw new Error(`the sandbox exited during start-up; see ${log}`);
        const s = readSandboxState();
        return s?.pid === pid ? s : undefined;
      }, 60_000, log);
      started.push('sandbox');
    }

    if (procs.worker && isAlive(procs.worker.pid)) {
      reused.push('worker');
    } else {
      const log = path.join(dir, 'worker.log');
      const pid = spawnDrillctl([...(global.config ? ['--config', global.config] : []), 'worker'], log, { ...WORKER_PROCESS_ENV, TEMPORAL_ADDRESS: address });
      record('worker', pid, log);
      await waitFor('the worker', async () => {
        if (!isAlive(pid)) throw new Error(`the worker exited during start-up; see ${log}`);
        return (await workerPolls(target, pid)) ? true : undefined;
      }, 120_000, log);
      started.push('worker');
    }
    return { address, webUi: webUiBase(target), configPath: sandbox.configPath, started, reused, logs: dir };
  } catch (err) {
    await stopStarted(dir, procs, startedNow.reverse());
    throw err;
  }
}

async function stopStarted(dir: string, procs: ProcessTable, names: ProcessName[]): Promise<void> {
  for (const name of names) {
    const p = procs[name];
    if (p) await stopProcess(p.pid);
    delete procs[name];
    writeProcesses(dir, procs);
  }
}

export async function bringDown(): Promise<string[]> {
  const dir = dataDir();
  const procs = readProcesses(dir);
  const recorded = Object.keys(procs).length > 0;
  const stopped: string[] = [];
  for (const name of ['worker', 'sandbox', 'server'] as const) {
    const p = procs[name];
    if (!p) continue;
    if (isAlive(p.pid)) {
      await stopProcess(p.pid);
      stopped.push(`${name} (pid ${p.pid})`);
    }
    delete procs[name];
  }
  if (recorded) writeProcesses(dir, procs);
  return stopped;
}

export function renderUp(r: UpResult): string {
  return [
    r.started.length ? `Started: ${r.started.join(', ')}` : 'Everything was already running.',
    r.reused.length ? `Already running: ${r.reused.join(', ')}` : '',
    `Temporal: ${r.address}   Web UI: ${r.webUi}`,
    `Config:   ${r.configPath}`,
    `Logs:     ${r.logs}`,
  ].filter(Boolean).join('\n');
}

export function registerUpDown(program: Command, global: () => GlobalOptions): void {
  program
    .command('up')
    .description('start the embedded Temporal dev server, the sandbox and a worker in the background (idempotent)')
    .action(async () => {
      const g = global();
      emit(await bringUp(g), { json: !!g.json }, renderUp);
    });
  program
    .command('down')
    .description('stop exactly what `drillctl up` started')
    .action(async () => {
      const stopped = await bringDown();
      emit({ stopped }, { json: !!global().json }, (r) => (r.stopped.length ? `Stopped: ${r.stopped.join(', ')}` : 'Nothing to stop.'));
    });
}
