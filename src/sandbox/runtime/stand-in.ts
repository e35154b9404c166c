import fs from 'node:fs';
import path from 'node:path';
import type { EntityHistory } from '../../domain/reproject/history';
import type { ReprojectScope } from '../../domain/reproject/scopes';
import { RuntimeDatabase } from './database';
import { writeRuntimeFaults, type SinkFault } from './faults';
import { HistoryStore } from './history-store';
import { databasePath, loadRuntimeSettings, SETTINGS_FILE, type RuntimeSettings } from './settings';

/** The runtime's commands as argv templates for drillctl's `replay` config (`{id}`, `{runId}`, `{workerId}`). */
export interface RuntimeCommands {
  cwd: string;
  /**
   * The commands' `replay.env`: drillctl gives runtime commands an allow-listed environment, so a
   * switch the stand-in reads (run from sources) must be stated, as a real runtime's MIX_ENV is.
   */
  env: Record<string, string>;
  reprojectRun: string[];
  reprojectWorker: string[];
  reprojectAll: string[];
  seedFixtures: string[];
  cleanupFixtures: string[];
  /** Only with the history source on (`historySource: true`): the real runtime has no such command. */
  historyRun?: string[];
  historyWorker?: string[];
}

export interface RuntimeStandIn {
  home: string;
  commands: RuntimeCommands;
  /** Turns a sink fault on (null clears it); read by every command that starts afterwards. */
  setSinkFault(fault: SinkFault | null): void;
  /** Reads an entity's history straight from the database (tests). */
  history(scope: ReprojectScope, entityId: string): Promise<EntityHistory | undefined>;
}

export const RUNTIME_BIN = path.resolve(__dirname, '..', '..', '..', 'bin', 'sandbox-runtime.js');

/**
 * Prepares the runtime stand-in in `dataDir`: its settings (where the Convex stand-in is and the
 * file holding the admin key the sink uses), an empty durable history, no faults. Nothing runs in
 * the background: each command is a subprocess, like the real mix task.
 */
export async function startRuntimeStandIn(opts: { dataDir: string; convexUrl: string; adminKey: string; sinkTimeoutMs?: number; historySource?: boolean }): Promise<RuntimeStandIn> {
  const home = path.resolve(opts.dataDir);
  fs.mkdirSync(home, { recursive: true });
  const adminKeyFile = path.join(home, 'convex-admin-key');
  fs.writeFileSync(adminKeyFile, `${opts.adminKey}\n`, { mode: 0o600 });
  const settings: RuntimeSettings = {
    databaseFile: 'runtime.sqlite',
    convex: { url: opts.convexUrl, adminKeyFile },
    tables: { run: 'run_summaries', codex_worker: 'codex_worker_summaries' },
    sinkTimeoutMs: opts.sinkTimeoutMs ?? 2500,
    projectionVersion: 'convex_summary_v1',
    historySource: opts.historySource ?? false,
  };
  fs.writeFileSync(path.join(home, SETTINGS_FILE), JSON.stringify(settings, null, 2) + '\n');
  writeRuntimeFaults(home, {});
  (await RuntimeDatabase.open(databasePath(home, settings))).close();

  const bin = [process.execPath, RUNTIME_BIN];
  return {
    home,
    commands: {
      cwd: home,
      env: process.env.DRILLCTL_FROM_SOURCE ? { DRILLCTL_FROM_SOURCE: process.env.DRILLCTL_FROM_SOURCE } : {},
      reprojectRun: [...bin, 'reproject', '--run-id', '{id}'],
      reprojectWorker: [...bin, 'reproject', '--worker-id', '{id}'],
      reprojectAll: [...bin, 'reproject', '--all'],
      seedFixtures: [...bin, 'seed', '--run-id', '{runId}', '--worker-id', '{workerId}'],
      cleanupFixtures: [...bin, 'cleanup', '--run-id', '{runId}', '--worker-id', '{workerId}'],
      ...(settings.historySource ? { historyRun: [...bin, 'history', '--run-id', '{id}'], historyWorker: [...bin, 'history', '--worker-id', '{id}'] } : {}),
    },
    setSinkFault(fault) {
      writeRuntimeFaults(home, fault ? { sink: fault } : {});
    },
    async history(scope, entityId) {
      const db = await RuntimeDatabase.open(databasePath(home, loadRuntimeSettings(home)));
      try {
        const store = new HistoryStore(db);
        return scope === 'run' ? store.runHistory(entityId) : store.workerHistory(entityId);
      } finally {
        db.close();
      }
    },
  };
}
