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
