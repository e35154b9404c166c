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
  /** Looks like an entity line (it has scope= and entity=) but cannot be trusted; a failure, never skipped. */
  | { kind: 'malformed'; raw: string; problem: string };

// Mix colours stderr when it believes it has a terminal; never let colour codes defeat the parser.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, 'g');
// `--all` prints `reason=` and `write=` on every line; an inapplicable one is empty or nil.
const NO_REASON = new Set(['', 'nil', 'none', 'null']);

export function stripTerminalCodes(text: string): string {
  return text.replace(ANSI, '').replace(/\r$/, '');
}

/**
 * Parses one output line. Returns null for lines that are not entity lines (log noise, the
 * `--all` header and counters), `malformed` for lines that claim to be one but are broken.
 * Accepts the optional `reproject` prefix (absent on `--all` entity lines) and leading indentation.
 */
export function parseReprojectLine(input: string): ParsedLine | null {
  const raw = stripTerminalCodes(input).trim();
  const tokens = raw.split(/\s+/).filter(Boolean);
  if (tokens[0] === 'reproject') tokens.shift();
  if (!tokens[0]?.startsWith('scope=')) return null;

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
