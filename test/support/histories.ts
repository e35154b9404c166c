import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { runChain } from './run-chain';
import { stopDevServer } from './temporal';

export const historiesDir = path.resolve(__dirname, '..', 'histories');

/**
 * Saves a finished workflow's history (its latest run, or the run given) for the replay test. Only the recording script
 * (test/support/record-histories.ts) writes here; committed files guard determinism in CI.
 */
export async function saveHistory(client: Client, workflowId: string, name: string, runId?: string): Promise<string> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const file = path.join(historiesDir, `${name}.json`);
  fs.mkdirSync(historiesDir, { recursive: true });
  fs.writeFileSync(file, historyToJSON(history));
  return file;
}

/**
 * Saves the runs of a continue-as-new chain for the replay test. The first run is named for the
 * workflow id: a first run checks its own id (an applied drill runs under its group's lock id, a
 * rollout's gates derive their ids from it). Later runs start no child and skip that check, so any
 * name is free: `every-run` saves each as `<id>-run2`, `<id>-run3`..., `last-run` only the last as
 * `<id>-last`. Returns the files written.
 */
export async function saveRunChain(client: Client, workflowId: string, firstRunId: string, laterRuns: 'every-run' | 'last-run'): Promise<string[]> {
  const [first, ...later] = await runChain(client, workflowId, firstRunId);
  const named: [runId: string, name: string][] = [[first!.runId, workflowId]];
  if (laterRuns === 'every-run') later.forEach((run, i) => named.push([run.runId, `${workflowId}-run${i + 2}`]));
  else if (later.length > 0) named.push([later[later.length - 1]!.runId, `${workflowId}-last`]);
  const files: string[] = [];
  for (const [runId, name] of named) files.push(await saveHistory(client, workflowId, name, runId));
  return files;
}

/** Runs a recording script's `record`, then stops the dev server it recorded on; a failure is printed and exits 1. */
export function runRecording(record: () => Promise<void>): void {
  record()
    .then(() => stopDevServer())
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
