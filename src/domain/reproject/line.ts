import type { ReprojectScope } from './scopes';

export type ReprojectResult = 'ok' | 'error';
export type ReprojectWrite = 'applied' | 'skipped';

/** One entity line of the reproject task, e.g. `reproject scope=run entity=X result=ok write=applied duration_ms=63`. */
export interface ReprojectLine {
  /** As printed; an unknown scope is kept so the caller can call it unexpected. */
  scope: ReprojectScope | (string & {});
  entity: string;
  result: ReprojectResult;
  /** Present on success; the task never prints it on error. */
  write?: ReprojectWrite;
  reason?: string;
  durationMs: number;
  raw: string;
}

export type ParsedLine =
  | { kind: 'entity'; line: ReprojectLine }
  /** Carries a result (or starts like an entity line) but cannot be trusted; a failure, never skipped. */
  | { kind: 'malformed'; raw: string; problem: string }
  /** An error-level log line or an exception with no result in it; it counts when it names reprojection or an expected entity. */
  | { kind: 'error-log'; raw: string };

// Mix colours stderr when it believes it has a terminal; never let colour codes defeat the parser.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, 'g');
// `--all` prints `reason=` and `write=` on every line; an inapplicable one is empty or nil.
const NO_REASON = new Set(['', 'nil', 'none', 'null']);

// Elixir's Logger (`12:00:00.123 [error] ...`), logfmt (`level=error`), and plain `ERROR`/`FATAL`.
const ERROR_LEVEL = /\[(?:error|critical|alert|emergency|fatal)\]|\blevel=["']?(?:error|critical|alert|emergency|fatal)\b/i;
const ERROR_WORD = /\b(?:ERROR|FATAL|CRITICAL)\b/;
// An exception the task did not catch (`** (RuntimeError) ...`, `** (Mix) ...`).
const EXCEPTION = /^\*\* \(/;
const RESULT_FIELD = /\bresult=/;

export function stripTerminalCodes(text: string): string {
  return text.replace(ANSI, '').replace(/\r$/, '');
}

/** Whether a line is an error-level log line or an uncaught exception. */
export function isErrorLogLine(raw: string): boolean {
  return EXCEPTION.test(raw) || ERROR_LEVEL.test(raw) || ERROR_WORD.test(raw);
}

/**
 * Parses one output line. The entity line may come bare (`reproject scope=... result=...`, the
 * `--all` form without `reproject`) or behind whatever a logger puts in front of it (a time,
 * `[error]`, `level=error msg=...`): the record starts at its `scope=` field. Any other line
 * that carries `result=` is `malformed`, never noise: a bare `result=error` must fail the drill.
 * Error-level lines without a result are `error-log`; everything else is noise (null).
 */
export function parseReprojectLine(input: string): ParsedLine | null {
  const raw = stripTerminalCodes(input).trim();
  const all = raw.split(/\s+/).filter(Boolean);
  const scopeAt = all.findIndex((t) => t.startsWith('scope='));
  const bare = scopeAt === 0 || (scopeAt === 1 && all[0] === 'reproject');
  const hasResult = RESULT_FIELD.test(raw);
  if (!bare && !(scopeAt > 0 && hasResult)) {
    if (hasResult) return { kind: 'malformed', raw, problem: 'result= without scope= and entity= before it' };
    return isErrorLogLine(raw) ? { kind: 'error-log', raw } : null;
  }
  const tokens = all.slice(scopeAt);

  const fields = new Map<string, string>();
  let lastKey: string | undefined;
  for (const token of tokens) {
    const eq = token.indexOf('=');
    if (eq <= 0) {
      // An error reason printed with spaces (e.g. an inspected tuple) continues the previous value.
      if (lastKey !== 'reason') return { kind: 'malformed', raw, problem: `unexpected token "${token}"` };
      fields.set(lastKey, `${fields.get(lastKey)} ${token}`);
      continue;
    }
    const key = token.slice(0, eq);
    if (fields.has(key)) return { kind: 'malformed', raw, problem: `field ${key}= appears twice` };
    fields.set(key, token.slice(eq + 1));
    lastKey = key;
  }

  const missing = ['scope', 'entity', 'result', 'duration_ms'].filter((k) => !fields.get(k));
  if (missing.length) return { kind: 'malformed', raw, problem: `missing ${missing.map((k) => `${k}=`).join(', ')}` };
  const result = fields.get('result')!;
  if (result !== 'ok' && result !== 'error') return { kind: 'malformed', raw, problem: `result=${result} is neither ok nor error` };
  const durationText = fields.get('duration_ms')!;
  if (!/^\d+$/.test(durationText)) return { kind: 'malformed', raw, problem: `duration_ms=${durationText} is not a whole number of milliseconds` };
  const writeText = fields.get('write');
  // `--all` prints every field on every line; an error line carries an empty write=.
  const write = writeText === undefined || NO_REASON.has(writeText) ? undefined : writeText;
  if (write !== undefined && write !== 'applied' && write !== 'skipped') return { kind: 'malformed', raw, problem: `write=${write} is neither applied nor skipped` };
  if (result === 'ok' && write === undefined) return { kind: 'malformed', raw, problem: 'result=ok without write=: cannot tell whether the projection was written' };
  const reasonText = fields.get('reason');
  const reason = reasonText === undefined || NO_REASON.has(reasonText) ? undefined : reasonText;

  return {
    kind: 'entity',
    line: {
      scope: fields.get('scope')!,
      entity: fields.get('entity')!,
      result,
      ...(write !== undefined ? { write } : {}),
      ...(result === 'error' ? { reason: reason ?? 'unspecified' } : reason !== undefined ? { reason } : {}),
      durationMs: Number(durationText),
      raw,
    },
  };
}
