import { ApplicationFailure } from '@temporalio/common';
import type { ReplayConfig } from '../../domain/config/schema';
import { projectionDocumentId, type ReprojectScope } from '../../domain/reproject/scopes';
import { runConvexCli } from '../backup/convex-cli';
import { activityHooks } from './activity-context';
import type { ReprojectDeps } from './deps';
import { ReplayFailureType } from './failures';
import { readProjectionDocument } from './projection-reader';

const READ_TIMEOUT_MS = 10_000;
const CLI_TIMEOUT_MS = 120_000;

export interface ProjectionRead {
  doc: Record<string, unknown> | null;
  /** How it was read, for the report. */
  via: string;
}

export function projectionTable(replay: ReplayConfig, scope: ReprojectScope): string {
  return scope === 'run' ? replay.projectionTables.run : replay.projectionTables.codexWorker;
}

/** The projection of this entity among documents read from its table: by the runtime's document id, or the sink's key. */
export function findProjection(docs: Record<string, unknown>[], scope: ReprojectScope, entityId: string): Record<string, unknown> | null {
  const documentId = projectionDocumentId(scope, entityId);
  return docs.find((d) => d.document_id === documentId) ?? docs.find((d) => d.key === entityId) ?? null;
}

/**
 * Reads `convex data <table> --format jsonLines` output: one document per line on stdout, and
 * "There are no documents in this table." on stderr for an empty table. Lines that are not
 * objects (a bigint printed as `5n` by the CLI) are counted, not guessed at.
 */
export function parseDataOutput(output: string): { docs: Record<string, unknown>[]; unreadable: number; empty: boolean } {
  const docs: Record<string, unknown>[] = [];
  let unreadable = 0;
  for (const line of output.split('\n').map((l) => l.trim())) {
    if (!line.startsWith('{')) continue;
    try {
      const value = JSON.parse(line) as unknown;
      if (value && typeof value === 'object' && !Array.isArray(value)) docs.push(value as Record<string, unknown>);
      else unreadable++;
    } catch {
      unreadable++;
    }
  }
  return { docs, unreadable, empty: /There are no documents in this table/.test(output) };
}

async function readWithConvexData(deps: ReprojectDeps, replay: ReplayConfig, adminKey: string, table: string): Promise<Record<string, unknown>[]> {
  const projections = replay.projections!;
  const hooks = activityHooks();
  const signal = hooks.signal ? AbortSignal.any([hooks.signal, AbortSignal.timeout(CLI_TIMEOUT_MS)]) : AbortSignal.timeout(CLI_TIMEOUT_MS);
  const run = await runConvexCli({
    cliPath: deps.convexCliPath,
    deployment: { url: projections.url, adminKey },
    args: ['data', table, '--limit', String(replay.projectionReadLimit), '--order', 'desc', '--format', 'jsonLines'],
    signal,
    onLine: () => hooks.onProgress?.(),
  });
  const what = `\`convex data ${table}\` on ${projections.url}`;
  if (run.exitCode !== 0) {
    // The CLI prints a stack trace after its error: keep the lines a person would read.
    const lines = run.output.split('\n').map((l) => l.trim()).filter((l) => l && !/^at\s|^[{}[\]]|^Node\.js v|^\[Symbol/.test(l));
    const tail = (lines.find((l) => /error/i.test(l)) ?? lines.slice(-2).join(' | ')).slice(0, 300);
    if (/\b401\b|BadAdminKey|Unauthenticated|invalid for this instance/i.test(run.output)) {
      throw ApplicationFailure.create({ type: ReplayFailureType.projectionReadRefused, nonRetryable: true, message: `Convex at ${projections.url} refused the admin key from ${projections.adminKey} (${what}: ${tail}); check replay.projections.adminKey` });
    }
    throw ApplicationFailure.create({ type: ReplayFailureType.projectionReadFailed, message: `${what} failed (exit ${run.exitCode ?? `signal ${run.signal}`}): ${tail || '(no output)'}` });
  }
  const parsed = parseDataOutput(run.output);
  if (parsed.docs.length === 0 && parsed.unreadable > 0) {
    throw ApplicationFailure.create({ type: ReplayFailureType.projectionReadRefused, nonRetryable: true, message: `${what} printed ${parsed.unreadable} document line(s) that are not JSON objects; set replay.projectionQuery to a query that returns the projection` });
  }
  return parsed.docs;
}

/**
 * Reads the projection of one entity back from Convex: with the real `convex data` command
 * (admin key through the CLI's private env file, never argv), or with `replay.projectionQuery`
 * when one is configured. Null when there is no such document.
 */
export async function readProjection(deps: ReprojectDeps, replay: ReplayConfig, scope: ReprojectScope, entityId: string): Promise<ProjectionRead> {
  const projections = replay.projections;
  if (!projections) {
    throw ApplicationFailure.create({ type: ReplayFailureType.configIncomplete, nonRetryable: true, message: 'replay.projections (Convex url and adminKey reference) is not configured; replay level 2 needs it' });
  }
  const table = projectionTable(replay, scope);
  const adminKey = await deps.resolveSecret(projections.adminKey);
  if (replay.projectionQuery) {
    const doc = await readProjectionDocument(deps.fetch, { url: projections.url, adminKey, adminKeyRef: projections.adminKey, query: replay.projectionQuery, table, key: entityId, timeoutMs: READ_TIMEOUT_MS });
    return { doc, via: `query ${replay.projectionQuery}` };
  }
  const docs = await readWithConvexData(deps, replay, adminKey, table);
  return { doc: findProjection(docs, scope, entityId), via: `convex data ${table}` };
}
