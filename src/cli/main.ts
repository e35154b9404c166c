import { Command, CommanderError } from 'commander';
import type { GlobalOptions } from './context';
import { ExitCode, reportError } from './errors';
import { registerDemo } from './commands/demo';
import { registerDoctor } from './commands/doctor';
import { registerDrillBackupRestore } from './commands/drill-backup-restore';
import { registerDrillHealth } from './commands/drill-health';
import { registerDrillReplay } from './commands/drill-replay';
import { registerDrillRollback } from './commands/drill-rollback';
import { registerGate } from './commands/gate';
import { registerList } from './commands/list';
import { registerReport } from './commands/report';
import { registerRollout } from './commands/rollout';
import { registerSandbox } from './commands/sandbox';
import { registerSchedule } from './commands/schedule';
import { registerServer } from './commands/server';
import { registerStatus } from './commands/status';
import { registerUpDown } from './commands/up-down';
import { registerWorker } from './commands/worker';

/** The version in package.json (one level above both src/ and the compiled lib/). */
function packageVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../package.json') as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command('drillctl')
    .description('Durable production-readiness drills and staged rollouts on Temporal')
    .option('-c, --config <file>', 'config file (default: $DRILLCTL_CONFIG, ./drillctl.yaml, or the sandbox config)')
    .option('-e, --env <name>', 'environment in the config file')
    .option('--address <host:port>', 'Temporal frontend (default: $TEMPORAL_ADDRESS or envconfig profile, else 127.0.0.1:7233)')
    .option('--namespace <ns>', 'Temporal namespace (default: $TEMPORAL_NAMESPACE or default)')
    .option('--json', 'print one JSON object instead of text')
    .version(packageVersion(), '-V, --version', 'print the drillctl version')
    .exitOverride()
    .showHelpAfterError();
  const global = (): GlobalOptions => program.opts<GlobalOptions>();

  const drill = program.command('drill').description('run one drill as a durable workflow');
  registerDrillHealth(drill, global);
  registerDrillBackupRestore(drill, global);
  registerDrillReplay(drill, global);
  registerDrillRollback(drill, global);

  registerDoctor(program, global);
  registerGate(program, global);
  registerRollout(program, global);
  registerStatus(program, global);
  registerReport(program, global);
  registerList(program, global);
  registerSchedule(program, global);
  registerUpDown(program, global);
  registerServer(program);
  registerWorker(program, global);
  registerSandbox(program, global);
  registerDemo(program, global);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version arrive here too, with exit code 0.
      process.exitCode = err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
      return;
    }
    process.exitCode = reportError(err, !!program.opts<GlobalOptions>().json);
  }
}
