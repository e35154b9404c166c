import type { ReprojectLine } from './line';
import type { ReprojectOutput } from './output';
import type { ReprojectScope } from './scopes';

export interface ReprojectTarget {
  scope: ReprojectScope;
  entity: string;
}

/** What the command was asked to do: one entity (`--run-id`/`--worker-id`) or everything (`--all`). */
export type ReprojectExpectation =
  | { mode: 'single'; target: ReprojectTarget }
  /** `expected` entities must appear; other entities are legitimate in a full replay. */
  | { mode: 'all'; expected: ReprojectTarget[] };

export type ReprojectFailureKind =
  | 'entity-error'
  | 'missing-line'
  | 'unexpected-entity'
  | 'duplicate-line'
  | 'malformed-line'
  | 'error-line'
  | 'summary-mismatch'
  | 'command-failed';

export interface ReprojectFailure {
  kind: ReprojectFailureKind;
  scope?: string;
  entity?: string;
  /** The runtime's reason, for `entity-error`. */
  reason?: string;
  message: string;
}

export interface ReprojectEvaluation {
  ok: boolean;
  /** The line for each expected entity that printed exactly one. */
  lines: ReprojectLine[];
  failures: ReprojectFailure[];
}

const keyOf = (t: { scope: string; entity: string }): string => `${t.scope}\u0000${t.entity}`;
// A quoted line stays readable in a one-line failure message even when a runtime prints a novel.
const MAX_QUOTED_CHARS = 300;
const quote = (raw: string): string => `"${raw.length > MAX_QUOTED_CHARS ? `${raw.slice(0, MAX_QUOTED_CHARS)}…` : raw}"`;

/**
 * Decides whether a reproject command succeeded from what it printed, never from its exit code
 * alone: the runtime's task prints `result=error` on stderr and still exits 0 (it reports with
 * Mix.shell().error and returns normally). A non-zero exit is a failure too, and so is an error the runtime logged about
 * the reprojection or an expected entity. Every failure quotes the line it is about; the
 * caller redacts the output before it gets here.
 */
export function evaluateReprojectOutput(output: ReprojectOutput, expectation: ReprojectExpectation, exitCode: number | null): ReprojectEvaluation {
  const failures: ReprojectFailure[] = [];
  const expected = expectation.mode === 'single' ? [expectation.target] : expectation.expected;
  const expectedKeys = new Set(expected.map(keyOf));
  const seen = new Map<string, ReprojectLine[]>();
  for (const entry of output.entries) {
    const key = keyOf(entry);
    seen.set(key, [...(seen.get(key) ?? []), entry]);
  }

  for (const m of output.malformed) {
    failures.push({ kind: 'malformed-line', message: `unreadable reproject line on ${m.stream} (${m.problem}): ${quote(m.raw)}` });
  }
  if (expectation.mode === 'single') {
    for (const entry of output.entries) {
      if (!expectedKeys.has(keyOf(entry))) {
        failures.push({ kind: 'unexpected-entity', scope: entry.scope, entity: entry.entity, message: `the command reported scope=${entry.scope} entity=${entry.entity}, which it was not asked to reproject: ${quote(entry.raw)}` });
      }
    }
  }
  for (const entry of output.entries) {
    if (entry.result === 'error' && (expectation.mode === 'all' || expectedKeys.has(keyOf(entry)))) {
      failures.push({ kind: 'entity-error', scope: entry.scope, entity: entry.entity, reason: entry.reason, message: `scope=${entry.scope} entity=${entry.entity} result=error reason=${entry.reason}: ${quote(entry.raw)}` });
    }
  }

  // An error logged next to an entity's result=error is its detail (the caller shows the runtime's
  // log); on its own, beside an `ok` or no line at all, it is a failure of its own.
  if (!failures.some((f) => f.kind === 'entity-error')) {
    const concernsReprojection = (raw: string): boolean => /reproject/i.test(raw) || expected.some((t) => raw.includes(t.entity));
    for (const e of output.errorLogs.filter((l) => concernsReprojection(l.raw))) {
      failures.push({ kind: 'error-line', message: `the command logged an error on ${e.stream}: ${quote(e.raw)}` });
    }
  }

  const lines: ReprojectLine[] = [];
  for (const target of expected) {
    const found = seen.get(keyOf(target)) ?? [];
    if (found.length === 0) {
      failures.push({ kind: 'missing-line', ...target, message: `no reproject line for scope=${target.scope} entity=${target.entity}` });
    } else if (found.length > 1) {
      failures.push({ kind: 'duplicate-line', ...target, message: `${found.length} reproject lines for scope=${target.scope} entity=${target.entity}; cannot tell which one holds` });
    } else {
      lines.push(found[0]!);
    }
  }

  if (expectation.mode === 'all') {
    if (output.summaryProblem) failures.push({ kind: 'summary-mismatch', message: `unreadable --all summary: ${output.summaryProblem}` });
    else if (!output.summary) failures.push({ kind: 'summary-mismatch', message: 'no "Convex reprojection summary:" in the --all output' });
    else {
      const s = output.summary;
      const succeeded = output.entries.filter((e) => e.result === 'ok').length;
      const failed = output.entries.length - succeeded;
      if (s.failedEntities > 0) failures.push({ kind: 'summary-mismatch', message: `the summary reports failed_entities: ${s.failedEntities}` });
      if (s.totalEntities !== s.succeededEntities + s.failedEntities || s.totalEntities !== output.entries.length || s.succeededEntities !== succeeded || s.failedEntities !== failed) {
        failures.push({
          kind: 'summary-mismatch',
          message: `the summary (total ${s.totalEntities}, succeeded ${s.succeededEntities}, failed ${s.failedEntities}) disagrees with the ${output.entries.length} entity lines (${succeeded} ok, ${failed} error)`,
        });
      }
    }
  }

  if (exitCode !== 0) failures.push({ kind: 'command-failed', message: exitCode === null ? 'the command was killed by a signal' : `the command exited with code ${exitCode}` });
  return { ok: failures.length === 0, lines, failures };
}
