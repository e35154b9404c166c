import type { Command } from 'commander';
import type { ReplayConfig } from '../../domain/config/schema';
import { templatePlaceholders } from '../../domain/reproject/argv-template';
import { replayLevelAllowed, replayLevelProblems } from '../../domain/reproject/levels';
import { DrillEnvironment, DrillKind } from '../../temporal/search-attributes';
import { missingReplayFields, REPLAY_WORKFLOW, replayWorkflowId, type ReplayDrillInput, type ReplayDrillResult } from '../../shared/replay';
import { loadEnvironment, type GlobalOptions } from '../context';
import { CliError, ExitCode } from '../errors';
import { seconds, table, verdictText } from '../output';
import { runDrill } from '../run-drill';

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

/** Config problems the drill would only find after seeding: placeholders a command needs or cannot fill. */
export function replayTemplateProblems(replay: ReplayConfig): string[] {
  const problems: string[] = [];
  const check = (field: string, template: string[] | undefined, required: string[], allowed: string[]): void => {
    if (!template) return;
    const used = templatePlaceholders(template);
    for (const name of required.filter((n) => !used.includes(n))) problems.push(`replay.${field} must pass {${name}} to the runtime`);
    for (const name of used.filter((n) => !allowed.includes(n))) problems.push(`replay.${field} uses {${name}}; it may use ${allowed.map((a) => `{${a}}`).join(', ')}`);
  };
  for (const field of ['reprojectRun', 'reprojectWorker', 'historyRun', 'historyWorker'] as const) check(field, replay[field], ['id'], ['id']);
  for (const field of ['seedFixtures', 'cleanupFixtures'] as const) check(field, replay[field], ['runId', 'workerId'], ['runId', 'workerId']);
  return problems;
}

export function replayInput(global: GlobalOptions): ReplayDrillInput {
  const { name, env, source } = loadEnvironment(global);
  if (!env.replay) {
    throw new CliError(`environment "${name}" in ${source} has no replay section`, ExitCode.usage, 'add replay: seedFixtures and cleanupFixtures (level 1), projections (Convex url, adminKey reference; level 2), historyRun and historyWorker (level 3)');
  }
  const problems = [...missingReplayFields(env.replay).map((f) => `${f} is required by the replay drill`), ...replayLevelProblems(env.replay), ...replayTemplateProblems(env.replay)];
  if (problems.length) throw new CliError(`environment "${name}" in ${source} cannot run the replay drill:\n${problems.map((p) => `  - ${p}`).join('\n')}`, ExitCode.usage, 'fix the replay section; nothing was started');
  return { environment: name, replay: env.replay };
}

export function registerDrillReplay(drill: Command, global: () => GlobalOptions): void {
  drill
    .command('replay')
    .description("seed fixtures into the runtime's history, reproject them, prove the projections in Convex match history, clean up")
    .action(async () => {
      process.exitCode = await runReplayDrill(global());
    });
}

export async function runReplayDrill(g: GlobalOptions): Promise<number> {
  const input = replayInput(g);
  const r = input.replay;
  return runDrill<ReplayDrillInput, ReplayDrillResult>(
    g,
    {
      workflowType: REPLAY_WORKFLOW,
      workflowId: replayWorkflowId(input.environment, new Date()),
      input,
      staticSummary: `Replay drill on **${input.environment}**`,
      staticDetails: [
        `Runtime folder: ${r.cwd ?? '(worker cwd)'}`,
        `Runtime env: ${Object.entries(r.env).map(([k, v]) => `${k}=${v}`).join(' ') || "(the worker's own)"}`,
        `Reproject: \`${r.reprojectRun.join(' ')}\`, \`${r.reprojectWorker.join(' ')}\``,
        `Level: up to ${replayLevelAllowed(r)} (1: reproject lines, 2: read back from Convex, 3: parity with history)`,
        `Projections: ${r.projections ? `${r.projections.url} (tables ${r.projectionTables.run}, ${r.projectionTables.codexWorker}, read with ${r.projectionQuery ? `query ${r.projectionQuery}` : 'convex data'}; admin key ${r.projections.adminKey})` : '(not configured: level 1 only)'}`,
      ].join('\n'),
      searchAttributes: [
        { key: DrillEnvironment, value: input.environment },
        { key: DrillKind, value: 'replay' },
      ],
    },
    renderReplay,
  );
}
