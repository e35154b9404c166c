import type { Command } from 'commander';
import { ensureDataDir } from '../data-dir';
import type { GlobalOptions } from '../context';
import type * as WorkerModule from '../../worker';

export function registerWorker(program: Command, global: () => GlobalOptions): void {
  program
    .command('worker')
    .description('run a worker for every drillctl workflow and activity (foreground)')
    .option('--metrics-address <host:port>', 'serve Prometheus metrics at http://<host:port>/metrics (default: $DRILLCTL_METRICS_ADDRESS; none: off)')
    .action(async (o: { metricsAddress?: string }) => {
      const g = global();
      // require, not import(): from a never-built checkout tsx hooks require only (bin/drillctl.js).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runWorker } = require('../../worker') as typeof WorkerModule;
      await runWorker({ address: g.address, namespace: g.namespace, dataDir: ensureDataDir(), configFile: g.config, telemetry: { metricsAddress: o.metricsAddress ?? process.env.DRILLCTL_METRICS_ADDRESS } });
    });
}
