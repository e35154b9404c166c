import { INVARIANTS } from './invariants';
import type { FaultKind, TrialRecord } from './trial';

export interface TableRow {
  workflow: string;
  kind: FaultKind;
  trials: number;
  /** Trials in which at least one SIGKILL landed while the run was still open. */
  killedMidRun: number;
  /** Trials in which each invariant held. */
  passed: Record<string, number>;
}

export function tabulate(records: TrialRecord[]): TableRow[] {
  const rows = new Map<string, TableRow>();
  for (const r of records) {
    const key = `${r.workflow}/${r.kind}`;
    const row = rows.get(key) ?? { workflow: r.workflow, kind: r.kind, trials: 0, killedMidRun: 0, passed: Object.fromEntries(INVARIANTS.map((i) => [i, 0])) };
    row.trials += 1;
    if (r.faults.some((f) => f.runWasOpen)) row.killedMidRun += 1;
    for (const i of INVARIANTS) if (r.violations[i].length === 0) row.passed[i]! += 1;
    rows.set(key, row);
  }
  return [...rows.values()];
}

const KIND_LABEL: Record<FaultKind, string> = { none: 'undisturbed', worker: 'worker SIGKILL', server: 'server SIGKILL', both: 'server + worker SIGKILL' };

/** The table as Markdown (the README quotes it): one row per workflow and fault, trials passed per invariant. */
export function markdownTable(rows: TableRow[]): string {
  const head = ['workflow', 'fault', 'trials', 'killed mid-run', ...INVARIANTS];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${[r.workflow, KIND_LABEL[r.kind], String(r.trials), r.kind === 'none' ? '-' : String(r.killedMidRun), ...INVARIANTS.map((i) => `${r.passed[i]}/${r.trials}`)].join(' | ')} |`);
  return lines.join('\n');
}
