import type { Command } from 'commander';
import { dataDir } from '../data-dir';
import type { GlobalOptions } from '../context';

export function registerWorker(program: Command, global: () => GlobalOptions): void {
  program
    .command('worker')
    .description('run a worker for every drillctl workflow and activity (foreground)')
    .action(async () => {
      const g = global();
      const { runWorker } = await import('../../worker');
      await runWorker({ address: g.address, namespace: g.namespace, dataDir: dataDir(), configFile: g.config });
    });
}
