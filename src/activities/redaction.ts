export const REDACTED = '[redacted]';

/** Longest printable excerpt of a response body or command output that a failure may carry. */
export const EXCERPT_CHARS = 200;

// A worker variable whose name says it holds a credential; its value is redacted from everything
// a child prints, even when that child was never given it (a runtime may hold the same key).
const SECRET_NAME = /KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL/i;
// Shorter values (`1`, `true`) would blank out ordinary words; no real credential is this short.
const MIN_AMBIENT_SECRET_CHARS = 8;

/** Values of the worker's own environment variables that are named like credentials. */
export function ambientSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_NAME.test(name) && value !== undefined && value.trim().length >= MIN_AMBIENT_SECRET_CHARS)
    .map(([, value]) => value!.trim());
}

/** The secrets a text must not show: those the caller resolved, and the worker's own. */
export function knownSecrets(resolved: readonly string[] = []): string[] {
  return [...resolved, ...ambientSecrets()];
}

/**
 * Replaces every occurrence of each secret with `[redacted]`. Runs on whole texts (the assembled
 * output of a process, a response body, a finished message), never on chunks as they arrive: a
 * key split across two reads would pass a per-chunk check in two harmless-looking halves.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  // Longest first, so a key that contains another known value is replaced whole.
  const values = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  return values.reduce((t, s) => t.split(s).join(REDACTED), text);
}

/**
 * A short, single-line, redacted excerpt for a failure message: redaction first (on the whole
 * text), then the cut, so a secret is never half-shown at the edge of the excerpt.
 */
export function redactedExcerpt(text: string, secrets: readonly string[], maxChars = EXCERPT_CHARS): string {
  const flat = redactSecrets(text, secrets).replace(/\s+/g, ' ').trim();
  return flat.length > maxChars ? `${flat.slice(0, maxChars)}… (${flat.length - maxChars} more characters)` : flat;
}
