import fs from 'node:fs';
import path from 'node:path';
import { startDevServer, type RunningDevServer } from '../src/temporal/dev-server';
import { startDevServerOnFreePort } from '../test/support/temporal';
import { startWorkerProcess, type WorkerProcess } from '../test/support/worker';

/**
 * The processes chaos kills: the Temporal dev server (history in a SQLite file, so a SIGKILL loses
 * nothing the server acknowledged) and the product's worker (src/worker.ts as a child process,
 * configured by the sandbox's config file, as `drillctl up` runs it).
 */
export class ChaosProcesses {
  server?: RunningDevServer;
  worker?: WorkerProcess;
  private workers = 0;
  private port?: number;

  constructor(
    readonly dir: string,
    readonly configPath: string,
  ) {}

  get address(): string {
    if (this.port === undefined) throw new Error('the dev server has not started yet');
    return `127.0.0.1:${this.port}`;
  }

  get dbFile(): string {
    return path.join(this.dir, 'temporal.db');
  }

  /** The first start picks free ports (lanes start together, so it is retried on new ones); a restart keeps the address the worker knows. */
  async startServer(): Promise<void> {
    const logFile = path.join(this.dir, 'temporal.log');
    if (this.port !== undefined) {
      this.server = await startDevServer({ port: this.port, dbFile: this.dbFile, logFile });
      return;
    }
    this.server = await startDevServerOnFreePort({ dbFile: this.dbFile, logFile });
    this.port = Number(this.server.address.split(':').pop());
  }

  async killServer(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server || server.process.exitCode !== null || server.process.signalCode) return;
    const gone = new Promise((r) => server.process.once('exit', r));
    server.process.kill('SIGKILL');
    await gone;
  }

  async startWorker(): Promise<void> {
    this.workers += 1;
    const home = path.join(this.dir, 'worker-home');
    fs.mkdirSync(home, { recursive: true });
    const worker = startWorkerProcess(this.address, { DRILLCTL_HOME: home, DRILLCTL_CONFIG: this.configPath });
    this.worker = worker;
    const log = path.join(this.dir, `worker-${this.workers}.log`);
    worker.child.once('exit', () => fs.writeFileSync(log, worker.output()));
    await worker.ready;
  }

  workerAlive(): boolean {
    const c = this.worker?.child;
    return !!c && c.exitCode === null && !c.signalCode;
  }

  async killWorker(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.worker?.kill(signal);
    this.worker = undefined;
  }

  async stop(): Promise<void> {
    await this.killWorker('SIGTERM').catch(() => undefined);
    await this.server?.stop().catch(() => undefined);
  }
}
