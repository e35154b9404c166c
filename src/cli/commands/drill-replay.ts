import type { Command } from 'commander';
import type { ReplayDrillResult } from '../../contracts/replay';
import type { GlobalOptions } from '../context';
import { seconds, table, verdictText } from '../output';
import { DETACH_HELP, runDrill, type RunFlags } from '../run-drill';

function projectionColumn(s: ReplayDrillResult['scopes'][number]): string {
  if (s.projection === undefined || s.projection === 'not-checked' || s.projection === 'updated') return s.projection ?? '';
  return s.projection.toUpperCase();
}

export function renderReplay(r: ReplayDrillResult): string {
  const rows = r.scopes.map((s) => [
    s.scope,
    s.entity,
    s.result === 'ok' ? 'ok' : 'ERROR',
    s.write ?? '',
    s.durationMs === undefined ? '' : `${s.durationMs}ms`,
    seconds(s.commandDurationMs),
    projectionColumn(s),
    s.parity === 'match' || s.parity === 'not-checked' ? s.parity : s.parity.toUpperCase(),
    s.result === 'error' ? (s.reason ?? '') : (s.projectionDetail ?? s.parityDetail ?? ''),
  ]);
  const f = r.fixtures;
  const level = r.level;
  return [
    `Replay drill on ${r.environment}: ${verdictText(r.verdict)}${level ? ` at level ${level.proven} (config allows ${level.allowed})` : ''}`,
    table(['scope', 'entity', 'result', 'write', 'runtime', 'command', 'convex', 'parity', 'detail'], rows),
    `Fixtures: ${f.runId}, ${f.workerId}: ${f.seeded ? 'seeded' : 'NOT seeded'}, ${f.cleanedUp ? 'cleaned up' : `NOT CLEANED UP (${f.cleanupDetail ?? 'unknown'})`}`,
    ...(level ? [`Proven: ${level.meaning.length ? level.meaning.map((m, i) => `level ${i + 1}, ${m}`).join('; ') : 'nothing'}`, ...(level.next ? [`Next: ${level.next}`] : [])] : []),
    ...(r.failures.length ? ['Failures:', ...r.failures.map((m) => `  - ${m}`)] : []),
    `Total: ${seconds(r.durationMs)}`,
  ].join('\n');
}

export function registerDrillReplay(drill: Command, global: () => GlobalOptions): void {
  drill
    .command('replay')
    .description("seed fixtures into the runtime's history, reproject them, prove the projections in Convex match history, clean up")
    .option('--detach', DETACH_HELP)
    .action(async (o: RunFlags) => {
      process.exitCode = await runReplayDrill({ ...global(), detach: o.detach });
    });
}

export async function runReplayDrill(g: GlobalOptions & RunFlags): Promise<number> {
  return runDrill<ReplayDrillResult>(g, (client, caller) => client.startReplay({ environment: caller.environment }), renderReplay);
}
