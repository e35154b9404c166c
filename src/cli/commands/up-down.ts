import path from 'node:path';
import fs from 'node:fs';
import type { Command } from 'commander';
import { startDevServer, waitForServer } from '../../temporal/dev-server';
import { resolveTemporalTarget } from '../../temporal/connection';
import { webUiBase } from '../../temporal/web-ui';
import { dataDir } from '../data-dir';
import { isAlive, readProcesses, spawnDrillctl, stopProcess, waitFor, writeProcesses, type ProcessTable } from '../background';
import { emit } from '../output';
import type { GlobalOptions } from '../context';
import { readSandboxState } from './sandbox';
import { DEFAULT_SERVER_PORT, DEFAULT_UI_PORT } from './server';

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
 * Starts the embedded dev server, the sandbox and a worker in the background, each only if it is
 * not already running, and records what it started for `drillctl down`.
 */
export async function bringUp(global: GlobalOptions): Promise<UpResult> {
  const dir = dataDir();
  const procs: ProcessTable = readProcesses(dir);
  const started: string[] = [];
  const reused: string[] = [];
  const address = global.address ?? process.env.TEMPORAL_ADDRESS ?? `127.0.0.1:${DEFAULT_SERVER_PORT}`;

  if (await answers(address)) {
    reused.push(`server ${address}`);
  } else {
    const log = path.join(dir, 'server.log');
    const [, port] = address.split(':');
    const server = await startDevServer({ port: Number(port), uiPort: Number(port) + 1000 || DEFAULT_UI_PORT, dbFile: path.join(dir, 'temporal.db'), logFile: log, detached: true });
    procs.server = { pid: server.process.pid!, startedAt: new Date().toISOString(), log, address };
    started.push(`server ${address}`);
  }

  let sandbox = readSandboxState();
  if (sandbox && isAlive(sandbox.pid)) {
    reused.push('sandbox');
  } else {
    const log = path.join(dir, 'sandbox.log');
    const pid = spawnDrillctl(['sandbox', 'up'], log);
    sandbox = await waitFor('the sandbox', () => {
      if (!isAlive(pid)) throw new Error(`the sandbox exited during start-up; see ${log}`);
      const s = readSandboxState();
      return s?.pid === pid ? s : undefined;
    }, 60_000, log);
    procs.sandbox = { pid, startedAt: new Date().toISOString(), log };
    started.push('sandbox');
  }

  if (procs.worker && isAlive(procs.worker.pid)) {
    reused.push('worker');
  } else {
    const log = path.join(dir, 'worker.log');
    const logStart = fs.existsSync(log) ? fs.statSync(log).size : 0;
    const pid = spawnDrillctl([...(global.config ? ['--config', global.config] : []), 'worker'], log, { TEMPORAL_ADDRESS: address });
    await waitFor('the worker', () => {
      if (!isAlive(pid)) throw new Error(`the worker exited during start-up; see ${log}`);
      return fs.readFileSync(log, 'utf8').slice(logStart).includes('worker polling') ? true : undefined;
    }, 120_000, log);
    procs.worker = { pid, startedAt: new Date().toISOString(), log };
    started.push('worker');
  }
  writeProcesses(dir, procs);
  return { address, webUi: webUiBase(resolveTemporalTarget({ address }).address), configPath: sandbox.configPath, started, reused, logs: dir };
}

export async function bringDown(): Promise<string[]> {
  const dir = dataDir();
  const procs = readProcesses(dir);
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
  writeProcesses(dir, procs);
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
