/**
 * Reads what `convex export` / `convex import` (1.48.0) print, instead of trusting their exit
 * code: the operators' drill passed on "Added 0 documents". The lines and messages matched here are
 * the CLI's own, as its 1.48.0 source prints them.
 */

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

export type CliFailureKind =
  | 'bad-admin-key'
  | 'export-in-progress'
  | 'export-failed'
  | 'import-failed'
  | 'unreachable'
  | 'path-exists'
  | 'needs-confirmation'
  | 'no-result'
  | 'unknown';

export interface CliFailure {
  kind: CliFailureKind;
  /** The CLI's own words for it, trimmed to what names the cause. */
  detail: string;
}

export interface ExportOutcome {
  snapshotTs?: string;
  downloadedTo?: string;
  failure?: CliFailure;
}

export interface ImportOutcome {
  addedDocuments?: number;
  /** From the `Imported "<table>" (N documents)` checkpoint lines; a fast import may print none. */
  tables: Record<string, number>;
  failure?: CliFailure;
}

function lastLines(text: string, count: number): string {
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !/^[-✔✖]?\s*(Creating|Downloading|Importing|Uploading|Parsing)\b/.test(l)).slice(-count).join(' | ');
}

/** Failures both commands share, recognised by their text whatever the exit code. */
function commonFailure(text: string): CliFailure | undefined {
  if (/\b401 Unauthorized\b|BadAdminKey|BadDeployKey|InvalidAdminKey/.test(text)) {
    const line = /^.*(?:BadAdminKey|401 Unauthorized|BadDeployKey|InvalidAdminKey).*$/m.exec(text)?.[0] ?? '';
    return { kind: 'bad-admin-key', detail: line.replace(/^[✖\s]+/, '').replace(/^Unexpected Error: Error: /, '').trim() };
  }
  const net = /^.*(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|fetch failed|socket hang up).*$/m.exec(text);
  if (net) return { kind: 'unreachable', detail: net[0].replace(/^[✖\s]+/, '').trim() };
  if (/Cannot prompt for input in non-interactive terminals/.test(text)) return { kind: 'needs-confirmation', detail: /^.*Cannot prompt for input.*$/m.exec(text)![0].trim() };
  return undefined;
}

export function parseExportOutput(raw: string, exitCode: number | null): ExportOutcome {
  const text = stripAnsi(raw);
  const snapshotTs = /Created snapshot export at timestamp (\d+)/.exec(text)?.[1];
  const downloadedTo = /^✔ Downloaded snapshot export to (.+)$/m.exec(text)?.[1]?.trim();
  const common = commonFailure(text);
  if (common) return { snapshotTs, failure: common };
  if (/A snapshot export is already requested or in progress/.test(text)) {
    return { snapshotTs, failure: { kind: 'export-in-progress', detail: 'a snapshot export is already requested or in progress on this deployment' } };
  }
  if (/Export failed\. Please try again later/.test(text)) return { snapshotTs, failure: { kind: 'export-failed', detail: 'the deployment reported the export as failed' } };
  const exists = /Error: Path (.+) already exists\./.exec(text);
  if (exists) return { snapshotTs, failure: { kind: 'path-exists', detail: `path ${exists[1]} already exists` } };
  if (exitCode !== 0) return { snapshotTs, downloadedTo, failure: { kind: 'unknown', detail: lastLines(text, 3) || `exit code ${exitCode}` } };
  if (!downloadedTo) return { snapshotTs, failure: { kind: 'no-result', detail: 'exit code 0 but no "Downloaded snapshot export to" line' } };
  return { snapshotTs, downloadedTo };
}

export function parseImportOutput(raw: string, exitCode: number | null): ImportOutcome {
  const text = stripAnsi(raw);
  const tables: Record<string, number> = {};
  for (const m of text.matchAll(/^✔ Imported "([^"]+)" \((\d+) documents?\)$/gm)) tables[m[1]!] = Number(m[2]);
  const added = /^✔ Added (\d+) documents?(?: to table "[^"]+")?(?: in your .+ deployment)?\.$/m.exec(text);
  const addedDocuments = added ? Number(added[1]) : undefined;
  const common = commonFailure(text);
  if (common) return { tables, failure: common };
  const failed = /Importing data from "[^\n]*" failed\n+([\s\S]*)$/.exec(text);
  if (failed) {
    const detail = failed[1]!.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
    return { tables, failure: { kind: 'import-failed', detail: detail || 'the deployment reported the import as failed' } };
  }
  if (/Import canceled|WARNING: Import is continuing to run on the server/.test(text)) {
    return { tables, failure: { kind: 'import-failed', detail: lastLines(text, 2) } };
  }
  if (exitCode !== 0) return { tables, addedDocuments, failure: { kind: 'unknown', detail: lastLines(text, 3) || `exit code ${exitCode}` } };
  if (addedDocuments === undefined) return { tables, failure: { kind: 'no-result', detail: 'exit code 0 but no "Added N documents" line' } };
  return { tables, addedDocuments };
}
