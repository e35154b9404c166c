import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

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
