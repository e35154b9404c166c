import type { GateDrill, GateDrillResults, GateStep } from '../results/readiness-gate';
import type { HealthDrillResult } from '../results/health';
import type { BackupRestoreResult } from '../results/backup-restore';
import type { ReplayDrillResult } from '../results/replay';
import type { RollbackDrillResult } from '../results/rollback';
import { code, secondsText } from './markdown';

/** Figures of each drill for the report's Outcomes section. */
const renderers: { [D in GateDrill]: (result: GateDrillResults[D]) => string[] } = {
  health: (r: HealthDrillResult) =>
    r.checks.map((c) => `${c.name}: ${c.ok ? 'ok' : 'FAIL'} after ${c.attempts} attempt(s) in ${secondsText(c.durationMs / 1000)}${c.servingRevision ? ` (served by ${code(c.servingRevision)})` : ''}${c.ok ? '' : `: ${c.detail}`}`),
  backupRestore: (r: BackupRestoreResult) => [
    `Export snapshot created: ${code(r.snapshot ?? '(none)')}${r.snapshotSha256 ? ` (sha256 ${r.snapshotSha256.slice(0, 16)}...)` : ''}`,
    `Tables: ${r.tables.map((t) => `${t.name} ${t.documents}`).join(', ') || '(none)'}; ${r.totalDocuments ?? 0} documents in all.`,
    `Restore (${r.restoreMode}) into ${r.targetUrl}: Added ${r.addedDocuments ?? 0} documents; data ${r.dataProven ? 'proven equal to the snapshot' : 'NOT proven'}.`,
    `Phases: ${Object.entries(r.phaseSeconds).map(([p, sec]) => `${p} ${secondsText(sec ?? 0)}`).join(', ')}; total ${secondsText(r.totalSeconds)}.`,
    ...(r.failure ? [`Failure: ${r.failure.message}`] : []),
  ],
  replay: (r: ReplayDrillResult) => [
    ...(r.level ? [`Replay level proven: ${r.level.proven} of ${r.level.allowed} the config allows${r.level.meaning.length ? ` (${r.level.meaning[r.level.meaning.length - 1]})` : ''}.${r.level.next ? ` Next: ${r.level.next}.` : ''}`] : []),
    ...r.scopes.map((s) => `Reproject ${s.scope} result: ${code(`scope=${s.scope} entity=${s.entity} result=${s.result} write=${s.write ?? '?'} duration_ms=${s.durationMs ?? '?'}`)}${s.projection ? `, in Convex ${s.projection}${s.projectionDetail ? ` (${s.projectionDetail})` : ''}` : ''}, parity ${s.parity}${s.parityDetail ? ` (${s.parityDetail})` : ''}`),
    ...r.failures.map((f) => `Failure: ${f}`),
    `Drill duration: ${secondsText(r.durationMs / 1000)}.`,
  ],
  rollback: (r: RollbackDrillResult) => [
    ...r.services.map((s) => `${s.role}: current ${code(s.current)}, rollback target ${code(s.target)}`),
    `Measured rollback RTO: ${secondsText(r.rtoSeconds ?? NaN)} (target <= ${r.rtoTargetSeconds} s)${r.rtoStrategy ? `, revision identity ${code(r.rtoStrategy)}` : ''}.`,
    ...(r.rtoMeaning ? [`${r.rtoMeaning}.`] : []),
    ...r.services.flatMap((s) => (s.identityFallback ? [`${s.service}: versionEndpoint fell back to none: ${s.identityFallback}.`] : [])),
    `Measured restore duration: ${secondsText(r.restoreSeconds ?? NaN)}.`,
    `Total rollback drill time: ${secondsText(r.totalSeconds ?? NaN)}.`,
    r.trafficRestored ? 'Post-drill traffic restored exactly to the original allocation on every service.' : 'Post-drill traffic NOT restored to the original allocation.',
    ...r.reasons.map((x) => `Failure: ${x}`),
  ],
};

export function outcomeLines(step: GateStep): string[] {
  if (step.status === 'not-configured' || step.status === 'skipped') return [`Not run: ${step.error}.`];
  if (step.result === undefined) return [`Failed before producing a result: ${step.error}.`];
  switch (step.drill) {
    case 'health':
      return renderers.health(step.result);
    case 'backupRestore':
      return renderers.backupRestore(step.result);
    case 'replay':
      return renderers.replay(step.result);
    case 'rollback':
      return renderers.rollback(step.result);
  }
}
