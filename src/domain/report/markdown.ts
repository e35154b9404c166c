/** Small Markdown builders shared by every report, so all reports read alike. */

export function heading(level: 1 | 2 | 3, text: string): string {
  return `${'#'.repeat(level)} ${text}`;
}

export function bullets(items: string[], indent = 0): string {
  return items.map((i) => `${' '.repeat(indent)}- ${i}`).join('\n');
}

export function numbered(items: string[]): string {
  return items.map((item, i) => `${i + 1}. ${item}`).join('\n');
}

export function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

/** Seconds with the precision a report reader wants: whole above a minute, two decimals below. */
export function secondsText(seconds: number): string {
  return seconds >= 60 ? `${Math.round(seconds)} seconds` : `${seconds.toFixed(2)} seconds`;
}

export function passFail(pass: boolean): 'PASS' | 'FAIL' {
  return pass ? 'PASS' : 'FAIL';
}

/** Sections separated by one blank line, ending with a newline. */
export function document(sections: (string | undefined | false)[]): string {
  return sections.filter((s): s is string => !!s && s.length > 0).join('\n\n') + '\n';
}
