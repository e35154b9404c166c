import path from 'node:path';
import type { Command } from 'commander';
import { startDevServer } from '../../temporal/dev-server';
import { ensureDataDir } from '../data-dir';

export const DEFAULT_SERVER_PORT = 7233;
export const DEFAULT_UI_PORT = 8233;

export function registerServer(program: Command): void {
  program
    .command('server')
    .description('run the embedded Temporal dev server (SQLite history in the data folder, Web UI on 8233) in the foreground')
    .option('--port <port>', 'gRPC port', String(DEFAULT_SERVER_PORT))
    .option('--ui-port <port>', 'Web UI port', String(DEFAULT_UI_PORT))
    .action(async (o: { port: string; uiPort: string }) => {
      const dbFile = path.join(ensureDataDir(), 'temporal.db');
      const server = await startDevServer({ port: Number(o.port), uiPort: Number(o.uiPort), dbFile, logFile: path.join(ensureDataDir(), 'server.log') });
      process.stderr.write(`Temporal dev server on ${server.address}, Web UI http://localhost:${o.uiPort}, history in ${dbFile}\n`);
      const stop = (): void => void server.stop().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await new Promise(() => undefined);
    });
}
