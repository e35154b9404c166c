import { parseArgs } from 'node:util';
import type { ReprojectScope } from '../../domain/reproject/scopes';
import { ConvexProjectionSink } from './convex-sink';
import { RuntimeDatabase } from './database';
import { sinkFaultFor, type RuntimeCommand } from './faults';
import { cleanupFixture, seedFixtures } from './fixtures';
import { HistoryStore } from './history-store';
import { Projector, type ProjectionOutcome } from './projector';
import { databasePath, loadRuntimeSettings, readAdminKey, runtimeHome } from './settings';

interface Io {
  out(line: string): void;
  err(line: string): void;
}

const USAGE = 'usage: sandbox-runtime reproject (--run-id ID | --worker-id ID | --all) | seed [--run-id ID] [--worker-id ID] | cleanup [--run-id ID] [--worker-id ID]';

/**
 * A line of Elixir's default console Logger (`$time $metadata[$level] $message`): what the real
 * runtime's log lines look like around the task's own output, so the drill's parser meets them here.
 */
function loggerLine(line: string, now = new Date()): string {
  const time = [now.getHours(), now.getMinutes(), now.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  return `${time}.${String(now.getMilliseconds()).padStart(3, '0')} ${line}`;
}

/** Mix.raise: the task stops before doing anything, on stderr, with exit code 1. */
class MixError extends Error {}

function entityLine(scope: ReprojectScope, entity: string, o: ProjectionOutcome & { durationMs: number }, prefix: string): string {
  return o.result === 'ok'
    ? `${prefix}scope=${scope} entity=${entity} result=ok write=${o.write} duration_ms=${o.durationMs}`
    : `${prefix}scope=${scope} entity=${entity} result=error reason=${o.reason} duration_ms=${o.durationMs}`;
}

async function withRuntime<T>(command: RuntimeCommand, io: Io, fn: (store: HistoryStore, projector: Projector, sink: ConvexProjectionSink) => Promise<T>): Promise<T> {
  const home = runtimeHome();
  const settings = loadRuntimeSettings(home);
  const sink = new ConvexProjectionSink(settings, readAdminKey(home, settings), sinkFaultFor(home, command));
  const db = await RuntimeDatabase.open(databasePath(home, settings));
  try {
    const store = new HistoryStore(db);
    return await fn(store, new Projector(store, sink, settings.projectionVersion, (line) => io.err(loggerLine(line))), sink);
  } finally {
    db.close();
  }
}

/**
 * `mix runtime.convex.reproject` as the runtime implements it,
 * including its flaw: an entity error goes to stderr and the process still exits 0.
 */
async function reproject(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { 'run-id': { type: 'string' }, 'worker-id': { type: 'string' }, all: { type: 'boolean' } }, strict: true });
  const runId = values['run-id'];
  const workerId = values['worker-id'];
  if (!values.all && !runId && !workerId) throw new MixError('Missing required option: pass --run-id, --worker-id, or --all');
  return withRuntime('reproject', io, async (store, projector) => {
    if (values.all) {
      const targets: [ReprojectScope, string][] = [...store.runIds().map((id): [ReprojectScope, string] => ['run', id]), ...store.workerIds().map((id): [ReprojectScope, string] => ['codex_worker', id])];
      const lines: string[] = [];
      let failed = 0;
      for (const [scope, id] of targets) {
        const o = await projector.rebuild(scope, id);
        if (o.result === 'error') failed++;
        lines.push(o.result === 'ok'
          ? `  scope=${scope} entity=${id} result=ok write=${o.write} reason=nil duration_ms=${o.durationMs}`
          : `  scope=${scope} entity=${id} result=error write=nil reason=${o.reason} duration_ms=${o.durationMs}`);
      }
      io.out('Convex reprojection summary:');
      io.out(`  total_entities: ${targets.length}`);
      io.out(`  succeeded_entities: ${targets.length - failed}`);
      io.out(`  failed_entities: ${failed}`);
      for (const l of lines) io.out(l);
      return 0;
    }
    const [scope, id]: [ReprojectScope, string] = runId ? ['run', runId] : ['codex_worker', workerId!];
    const o = await projector.rebuild(scope, id);
    if (o.result === 'ok') io.out(entityLine(scope, id, o, 'reproject '));
    else io.err(entityLine(scope, id, o, 'reproject '));
    return 0;
  });
}

/** Deterministic fixtures, printed as the runtime's seed step did for the operators' replay script (docs/origins.md) (`RUN_ID=`, `WORKER_ID=`). */
async function seed(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { 'run-id': { type: 'string' }, 'worker-id': { type: 'string' } }, strict: true });
  const suffix = String(Math.floor(Math.random() * 1e6));
  const ids = { runId: values['run-id'] ?? `g7_drill_run_${suffix}`, workerId: values['worker-id'] ?? `g7_drill_worker_${suffix}` };
  return withRuntime('seed', io, async (store, projector) => {
    const { runSeeded, workerSeeded } = await seedFixtures(store, projector, ids);
    if (!runSeeded) io.err(`run ${ids.runId} already seeded; left as it is`);
    if (!workerSeeded) io.err(`worker ${ids.workerId} already seeded; left as it is`);
    io.out(`RUN_ID=${ids.runId}`);
    io.out(`WORKER_ID=${ids.workerId}`);
    return 0;
  });
}

async function cleanup(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { 'run-id': { type: 'string', multiple: true }, 'worker-id': { type: 'string', multiple: true } }, strict: true });
  const targets: [ReprojectScope, string][] = [...(values['run-id'] ?? []).map((id): [ReprojectScope, string] => ['run', id]), ...(values['worker-id'] ?? []).map((id): [ReprojectScope, string] => ['codex_worker', id])];
  if (targets.length === 0) throw new MixError('Missing required option: pass --run-id and/or --worker-id');
  return withRuntime('cleanup', io, async (store, _projector, sink) => {
    let code = 0;
    for (const [scope, id] of targets) {
      try {
        const o = await cleanupFixture(store, sink, scope, id);
        io.out(`cleanup scope=${scope} entity=${id} result=ok history=${o.history} projection=${o.projection}`);
      } catch (err) {
        const [reason, ...detail] = (err as Error).message.split(': ');
        io.err(`cleanup scope=${scope} entity=${id} result=error reason=${reason}${detail.length ? ` detail=${JSON.stringify(detail.join(': '))}` : ''}`);
        code = 1;
      }
    }
    return code;
  });
}

/** The entity's durable history as JSON, for a parity check that recomputes the summary itself. */
async function history(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { 'run-id': { type: 'string' }, 'worker-id': { type: 'string' } }, strict: true });
  const runId = values['run-id'];
  const workerId = values['worker-id'];
  if (!loadRuntimeSettings(runtimeHome()).historySource) {
    // What mix prints for a task the runtime does not define.
    throw new MixError('The task "history" could not be found (this runtime has no history source; the sandbox turns one on with runtimeHistory)');
  }
  if (!runId === !workerId) throw new MixError('pass exactly one of --run-id or --worker-id');
  return withRuntime('history', io, async (store) => {
    const h = runId ? store.runHistory(runId) : store.workerHistory(workerId!);
    if (!h) {
      io.err(`history scope=${runId ? 'run' : 'codex_worker'} entity=${runId ?? workerId} result=error reason=${runId ? 'run_not_found' : 'worker_not_found'}`);
      return 1;
    }
    io.out(JSON.stringify(h));
    return 0;
  });
}

const COMMANDS: Record<string, (args: string[], io: Io) => Promise<number>> = { reproject, seed, cleanup, history };

export async function runRuntimeCli(argv: string[], io: Io): Promise<number> {
  const [command, ...args] = argv;
  const run = command ? COMMANDS[command] : undefined;
  try {
    if (!run) throw new MixError(`unknown command ${command ?? '(none)'}; ${USAGE}`);
    return await run(args, io);
  } catch (err) {
    io.err(`** (Mix) ${(err as Error).message}`);
    return 1;
  }
}

export function main(argv: string[]): void {
  const io: Io = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };
  void runRuntimeCli(argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}
