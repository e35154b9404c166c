import { jsonToConvex, type JSONValue } from 'convex/values';
import type { ResolvedDeployment } from './convex-cli';

/** A `_snapshot_imports` record as `_system/cli/queryImport:list` returns it. */
export interface ImportRecord {
  id: string;
  creationTimeMs: number;
  mode: string;
  state: 'uploaded' | 'waiting_for_confirmation' | 'in_progress' | 'completed' | 'failed' | string;
  numRowsWritten?: number;
  errorMessage?: string;
  checkpointMessages: string[];
}

/**
 * The deployment's recent snapshot imports, read with the very request the CLI makes before it
 * uploads (`POST /api/query` `_system/cli/queryImport:list`, reference section 4 step 1). Used
 * only to find an import a killed worker's CLI had already started.
 */
export async function listImports(deployment: ResolvedDeployment, signal?: AbortSignal): Promise<ImportRecord[]> {
  const res = await fetch(new URL('/api/query', deployment.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Convex ${deployment.adminKey}`, 'convex-client': 'npm-1.48.0' },
    body: JSON.stringify({ path: '_system/cli/queryImport:list', format: 'convex_encoded_json', args: [{}] }),
    signal,
  });
  const body = (await res.json().catch(() => ({}))) as { status?: string; value?: JSONValue; errorMessage?: string; code?: string; message?: string };
  if (!res.ok || body.status !== 'success') throw new Error(`listing imports failed: HTTP ${res.status} ${body.code ?? ''} ${body.errorMessage ?? body.message ?? ''}`.trim());
  const docs = jsonToConvex(body.value ?? []) as Record<string, unknown>[];
  return docs.map((d) => {
    const state = (d.state ?? {}) as Record<string, unknown>;
    return {
      id: String(d._id),
      creationTimeMs: Number(d._creationTime),
      mode: String(d.mode ?? ''),
      state: String(state.state ?? ''),
      numRowsWritten: state.num_rows_written !== undefined ? Number(state.num_rows_written) : undefined,
      errorMessage: typeof state.error_message === 'string' ? state.error_message : undefined,
      checkpointMessages: Array.isArray(state.checkpoint_messages) ? state.checkpoint_messages.map(String) : [],
    };
  });
}

/** `append` / `replaceAll` as the CLI sends them vs `Append` / `ReplaceAll` as records store them. */
export function sameImportMode(cliMode: string, recordMode: string): boolean {
  const norm = (m: string): string => m.replace(/[^a-z]/gi, '').toLowerCase();
  return norm(cliMode) === norm(recordMode);
}
