import type { ActivityProgress, RunProgress } from '../../runs/run-progress';
import { RUN_KIND_TITLES } from '../../runs/run-kinds';
import { renderStatus } from '../commands/rollout-render';
import { paint } from '../output';

/** Lines of the current details shown at most (the Web UI has the rest). */
const DETAIL_LINES = 6;

export function byteSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Minutes and seconds (h:mm:ss past an hour), as a stopwatch shows it. */
export function clock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

type Heartbeat = Record<string, unknown>;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/**
 * What an activity's heartbeat says, in words: bytes exported or hashed (the backup activities),
 * tables imported, the probe's healthy-answer streak (RTO and bake probes), else its step.
 */
export function heartbeatText(details: unknown): string | undefined {
  if (details === null || typeof details !== 'object') return undefined;
  const hb = details as Heartbeat;
  const parts: string[] = [];
  const step = str(hb.step);
  if (step) parts.push(step);
  const downloaded = num(hb.bytesDownloaded);
  if (downloaded !== undefined) parts.push(`${byteSize(downloaded)} exported`);
  const done = num(hb.bytesDone);
  const total = num(hb.bytesTotal);
  if (done !== undefined && total) parts.push(`${byteSize(done)} of ${byteSize(total)} (${Math.floor((done / total) * 100)}%)`);
  const entriesDone = num(hb.entriesDone);
  const entriesTotal = num(hb.entriesTotal);
  if (entriesDone !== undefined && entriesTotal) parts.push(`${entriesDone}/${entriesTotal} entries`);
  const tables = num(hb.importedTables);
  if (tables !== undefined) parts.push(`${tables} table${tables === 1 ? '' : 's'} imported`);
  const streak = num(hb.streak);
  if (streak !== undefined) parts.push(`healthy streak ${streak}${num(hb.answers) !== undefined ? ` of ${num(hb.answers)} answers` : ''}${str(hb.lastRevision) ? `, serving ${str(hb.lastRevision)}` : ''}`);
  const line = str(hb.lastLine);
  if (line && parts.length < 3) parts.push(`"${line.length > 60 ? `${line.slice(0, 57)}...` : line}"`);
  return parts.length ? parts.join(', ') : undefined;
}

export function activityLine(a: ActivityProgress): string {
  const hb = heartbeatText(a.heartbeat);
  const attempt = a.attempt > 1 ? ` (attempt ${a.attempt}${a.lastFailure ? `; last: ${a.lastFailure.split('\n')[0]}` : ''})` : '';
  return `${a.activity}${a.state === 'scheduled' ? ' (waiting for a worker)' : ''}${attempt}${hb ? `: ${hb}` : ''}`;
}

function statusWord(p: RunProgress): string {
  const word = p.status.toLowerCase().replace(/_/g, ' ');
  return p.status === 'RUNNING' ? paint('yellow', word) : p.status === 'COMPLETED' ? paint('green', word) : paint('red', word);
}

function kindLines(p: RunProgress): string[] {
  if (p.rollback) {
    return [`Phase: ${p.rollback.phase}${p.rollback.restoreFailures ? ` (${p.rollback.restoreFailures} failed restore attempts${p.rollback.lastRestoreError ? `: ${p.rollback.lastRestoreError}` : ''})` : ''}`, ...p.rollback.services.map((s) => `  ${s.service}: ${s.current} -> ${s.target} (${s.state})`)];
  }
  if (p.gate) {
    const steps = p.gate.steps.map((s) => `${s.drill} ${s.status} ${s.seconds.toFixed(1)}s`);
    return [`Phase: ${p.gate.phase}${p.gate.current ? ` (${p.gate.current})` : ''}`, ...(steps.length ? [`Drills: ${steps.join(', ')}`] : []), `Attestation: ${p.gate.attestation.state}${p.gate.attestation.attester ? ` by ${p.gate.attestation.attester}` : ''}`];
  }
  return [];
}

/** A run's progress as a block of lines (the live view redraws it); children indented below. */
export function renderProgress(p: RunProgress, indent = ''): string {
  const title = p.summary ?? `${p.kind ? RUN_KIND_TITLES[p.kind] : p.workflowType} ${p.workflowId}`;
  const lines = [`${title}: ${statusWord(p)} ${clock(p.elapsedMs)}`];
  if (p.rollout) lines.push(...renderStatus(p.rollout, { timelineEntries: 4 }).split('\n').slice(1));
  else lines.push(...kindLines(p));
  if (p.details && !p.rollout) lines.push(...p.details.split('\n').filter((l) => l.trim()).slice(0, DETAIL_LINES));
  lines.push(...p.activities.map((a) => `> ${activityLine(a)}`));
  const block = lines.map((l, i) => (i === 0 ? `${indent}${l}` : `${indent}  ${l}`));
  for (const child of p.children) block.push(renderProgress(child, `${indent}  `));
  return block.join('\n');
}

/**
 * One line for a log: what the run is doing (phase, current details, activities and their
 * heartbeats), without the clock. A plain view prints it when it changes.
 */
export function progressLine(p: RunProgress): string {
  const parts: string[] = [];
  if (p.rollout) parts.push(`${p.rollout.currentStep ?? ''} ${p.rollout.phase}`.trim());
  if (p.gate) parts.push(`${p.gate.phase}${p.gate.current ? ` ${p.gate.current}` : ''}`);
  if (p.rollback) parts.push(p.rollback.phase);
  const first = p.details?.split('\n').find((l) => l.trim());
  if (first && !p.rollout) parts.push(first.trim());
  parts.push(...p.activities.map(activityLine));
  for (const c of p.children) parts.push(`[${c.kind ?? c.workflowType}] ${progressLine(c)}`);
  return parts.join('; ') || p.status.toLowerCase();
}
