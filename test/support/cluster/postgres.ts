import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../ports';
import { baseEnv, runCommand, startService, waitUntil, type RunAs, type ServiceProcess } from './processes';

export interface RunningPostgres {
  host: string;
  port: number;
  /** The superuser Temporal connects as (docker-compose.yml's POSTGRES_USER). */
  user: string;
  password: string;
  process: ServiceProcess;
  stop(): Promise<void>;
}

/** PostgreSQL refuses to run as root; as root, the cluster runs it as the `postgres` user Debian's package creates. */
function postgresUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error('running as root and there is no `postgres` user to run PostgreSQL as: install postgresql-15 (scripts/cluster/setup.js does) or run as another user');
  }
}

/**
 * A fresh PostgreSQL cluster in `dir` on its own loopback port: initdb, then the server in the
 * foreground, so stopping it is a signal to a child we own. Password authentication over TCP, as
 * Temporal uses it in docker-compose.
 */
export async function startPostgres(opts: { binDir: string; dir: string }): Promise<RunningPostgres> {
  const runAs = postgresUser();
  const dataDir = path.join(opts.dir, 'data');
  fs.mkdirSync(opts.dir, { recursive: true });
  // mkdtemp makes the folder private to its creator; the postgres user must reach its own files.
  fs.chmodSync(opts.dir, 0o755);
  const socketDir = path.join(opts.dir, 'sockets');
  for (const own of [dataDir, socketDir]) {
    fs.mkdirSync(own, { mode: 0o700 });
    if (runAs) fs.chownSync(own, runAs.uid, runAs.gid);
  }
  const user = 'temporal';
  const password = crypto.randomBytes(16).toString('hex');
  const pwFile = path.join(opts.dir, 'pwfile');
  fs.writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  if (runAs) fs.chownSync(pwFile, runAs.uid, runAs.gid);
  const env = { ...baseEnv(), LC_ALL: 'C', LANG: 'C' };
  const bin = (name: string) => path.join(opts.binDir, name);
  await runCommand(bin('initdb'), ['-D', dataDir, '-U', user, `--pwfile=${pwFile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-instructions'], { env, runAs, cwd: opts.dir });
  fs.rmSync(pwFile);

  const port = await freePort();
  const host = '127.0.0.1';
  const server = startService('PostgreSQL', bin('postgres'), [
    '-D', dataDir, '-p', String(port), '-c', `listen_addresses=${host}`, '-c', `unix_socket_directories=${socketDir}`,
    // A throwaway database: no need to wait for the disk on every commit of a noisy shared machine.
    '-c', 'fsync=off',
  ], { env, runAs, cwd: opts.dir, logFile: path.join(opts.dir, 'postgres.log') });
  await waitUntil('PostgreSQL did not accept connections', async () => {
    await runCommand(bin('pg_isready'), ['-h', host, '-p', String(port), '-q'], { env }, 5000);
    return true;
  }, { timeoutMs: 60_000, process: server });
  return {
    host,
    port,
    user,
    password,
    process: server,
    // SIGINT is PostgreSQL's fast shutdown: roll back open transactions, then stop.
    stop: () => server.stop('SIGINT', 20_000),
  };
}
