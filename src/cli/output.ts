/** The one output layer: human text by default, one JSON object with --json. */
export interface OutputOptions {
  json: boolean;
}

export function emit<T>(value: T, opts: OutputOptions, human: (v: T) => string): void {
  process.stdout.write(opts.json ? JSON.stringify(value, null, 2) + '\n' : human(value).replace(/\n?$/, '\n'));
}

/** A fixed-width text table. */
export function table(headers: string[], rows: (string | number | undefined)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === undefined ? '' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
}

/**
 * Whether to colour what goes to this stream: never with NO_COLOR (https://no-color.org) or
 * NODE_DISABLE_COLORS, as FORCE_COLOR says when it is set (0 or false: off), otherwise only on a terminal that
 * has colours (Node's own hasColors, which also reads TERM=dumb).
 */
export function colourEnabled(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.NODE_DISABLE_COLORS !== undefined) return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return !!stream.isTTY && typeof stream.hasColors === 'function' && stream.hasColors();
}

// SGR codes, start and reset (util.styleText decides colour by itself, and differently across Node 20 releases).
const STYLES = { green: [32, 39], red: [31, 39], yellow: [33, 39], bold: [1, 22], dim: [2, 22] } as const;
type Style = keyof typeof STYLES;

/** Text in a style when the stream takes colour, as is otherwise. */
export function paint(style: Style, text: string, stream: NodeJS.WriteStream = process.stdout): string {
  const [on, off] = STYLES[style];
  return colourEnabled(stream) ? `\u001b[${on}m${text}\u001b[${off}m` : text;
}

/** PASS green, FAIL red, anything else (running, skipped) yellow. */
export function verdictText(verdict: string, stream: NodeJS.WriteStream = process.stdout): string {
  return paint(verdict === 'PASS' ? 'green' : verdict === 'FAIL' ? 'red' : 'yellow', verdict, stream);
}

/** The line that leads a run's human output: `FAIL: <what failed>. <whether everything is back>.` (PASS: what passed). */
export function conclusionLine(r: { verdict: string; conclusion?: { summary: string } }, stream: NodeJS.WriteStream = process.stdout): string | undefined {
  if (!r.conclusion) return undefined;
  return r.verdict === 'PLANNED' ? undefined : `${verdictText(r.verdict, stream)}: ${r.conclusion.summary}`;
}
