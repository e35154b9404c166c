import type { RunResult } from '../client';
import { renderReadinessJson, renderReadinessMarkdown } from '../domain/report/readiness';
import type * as Report from '../domain/rollout/report';
import { renderBackupRestore } from './commands/drill-backup-restore';
import { renderHealth } from './commands/drill-health';
import { renderReplay } from './commands/drill-replay';
import { renderRollback } from './commands/drill-rollback';
import { ExitCode } from './errors';
import { conclusionLine } from './output';

// The rollout report pulls in the plan schema (zod): loaded only for a rollout.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rolloutReport = (): typeof Report => require('../domain/rollout/report') as typeof Report;

/** The report of any finished run, rendered only from its recorded result (Markdown for the gate and rollouts, the drill's own text otherwise). */
export function renderRunReport(r: RunResult): string {
  // A drill's report leads with its conclusion (FAIL: what failed, and whether everything is back),
  // as the command that ran it did. The rollout's Markdown carries it; the gate's report stays the
  // bytes the gate wrote.
  const drill = r.kind === 'readiness-gate' || r.kind === 'rollout' ? undefined : conclusionLine(r.result);
  return drill ? `${drill}\n${reportBody(r)}` : reportBody(r);
}

function reportBody(r: RunResult): string {
  switch (r.kind) {
    case 'health':
      return renderHealth(r.result);
    case 'backup-restore':
      return renderBackupRestore(r.result);
    case 'replay':
      return renderReplay(r.result);
    case 'rollback':
      return renderRollback(r.result);
    case 'readiness-gate':
      return renderReadinessMarkdown(r.result);
    case 'rollout':
      return rolloutReport().renderRolloutMarkdown(r.result);
  }
}

/** The report as JSON: the gate's own report shape, the recorded result for every other run. */
export function renderRunReportJson(r: RunResult): string {
  return r.kind === 'readiness-gate' ? renderReadinessJson(r.result) : `${JSON.stringify(r.result, null, 2)}\n`;
}

/** 0 when the run passed (a rollout: promoted), 1 otherwise. */
export function runExitCode(r: RunResult): number {
  if (r.kind === 'rollout') return r.result.outcome === 'promoted' ? ExitCode.ok : ExitCode.failed;
  return r.result.verdict === 'FAIL' ? ExitCode.failed : ExitCode.ok;
}
