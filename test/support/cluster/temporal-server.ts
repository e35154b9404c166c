import crypto from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { temporalCliPath } from '../../../src/temporal/binaries';
import { ALL_SEARCH_ATTRIBUTES } from '../../../src/temporal/search-attributes';
import { repoRoot } from '../worker';
import type { RunningPostgres } from './postgres';
import { baseEnv, runCommand, startService, waitUntil, type ServiceProcess } from './processes';
import type { ClusterTools } from './tools';

export const TEMPORAL_DATABASE = 'temporal';
export const VISIBILITY_DATABASE = 'temporal_visibility';
/** How long closed runs stay in the namespace (docker-compose.yml's setup job uses the same). */
export const NAMESPACE_RETENTION = '30d';

/** The dynamic config docker-compose.yml mounts into the server too. */
export const DYNAMIC_CONFIG_FILE = path.join(repoRoot, 'deploy', 'temporal', 'dynamicconfig.yaml');

/** The two databases and their folders under schema/postgresql/v12 (docker-compose.yml loops over the same pairs). */
export const SCHEMA_STORES = [
  { dir: 'temporal', database: TEMPORAL_DATABASE },
  { dir: 'visibility', database: VISIBILITY_DATABASE },
] as const;

/** What temporal-sql-tool runs on each database, in order: create it, version table at 0.0, then every versioned update. */
export function schemaCommands(versionedDir: string): string[][] {
  return [['create-database'], ['setup-schema', '-v', '0.0'], ['update-schema', '-d', versionedDir]];
}

export function schemaSteps(schemaDir: string): { database: string; args: string[] }[] {
  return SCHEMA_STORES.flatMap(({ dir, database }) => schemaCommands(path.join(schemaDir, dir, 'versioned')).map((args) => ({ database, args })));
}

/** Creates both databases and brings their schemas to the version the server module ships. */
export async function setUpSchema(tools: ClusterTools, pg: RunningPostgres): Promise<void> {
  // The password goes through the tool's environment, never its argv.
  const env = { ...baseEnv(), SQL_HOST: pg.host, SQL_PORT: String(pg.port), SQL_USER: pg.user, SQL_PASSWORD: pg.password, SQL_PLUGIN: 'postgres12' };
  for (const step of schemaSteps(tools.postgresqlSchemaDir)) {
    await runCommand(tools.temporalSqlTool, ['--db', step.database, ...step.args], { env });
  }
}

export interface RunningTemporalServer {
  address: string;
  process: ServiceProcess;
  stop(): Promise<void>;
}

const PORT_VARIABLES = ['FRONTEND_GRPC_PORT', 'FRONTEND_HTTP_PORT', 'FRONTEND_MEMBERSHIP_PORT', 'HISTORY_GRPC_PORT', 'HISTORY_MEMBERSHIP_PORT',
  'MATCHING_GRPC_PORT', 'MATCHING_MEMBERSHIP_PORT', 'WORKER_GRPC_PORT', 'WORKER_MEMBERSHIP_PORT'] as const;

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * Free loopback ports below 32768: the server records its membership ports in PostgreSQL as a
 * SMALLINT, so the kernel's ephemeral ports (32768 and up) would stop it at start.
 */
async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) {
    const port = 20_000 + crypto.randomInt(12_000);
    if (!ports.has(port) && (await canListen(port))) ports.add(port);
  }
  return [...ports];
}

/**
 * The server's environment: its embedded configuration template reads exactly these variables,
 * as the temporalio/server image in docker-compose.yml does (DB, POSTGRES_SEEDS, ...). Each of
 * the four services gets its own free loopback ports, so several clusters can share a machine.
 */
export async function temporalServerEnv(pg: RunningPostgres): Promise<NodeJS.ProcessEnv> {
  const ports = await distinctFreePorts(PORT_VARIABLES.length);
  return {
    ...baseEnv(),
    DB: 'postgres12',
    POSTGRES_SEEDS: pg.host,
    DB_PORT: String(pg.port),
    POSTGRES_USER: pg.user,
    POSTGRES_PWD: pg.password,
    DBNAME: TEMPORAL_DATABASE,
    VISIBILITY_DBNAME: VISIBILITY_DATABASE,
    BIND_ON_IP: '127.0.0.1',
    DYNAMIC_CONFIG_FILE_PATH: DYNAMIC_CONFIG_FILE,
    LOG_LEVEL: 'warn',
    ...Object.fromEntries(PORT_VARIABLES.map((name, i) => [name, String(ports[i])])),
  };
}

/** `temporal <args> --address <address>` with the Temporal CLI set-up installed. */
export function temporalCli(address: string, args: string[]): Promise<string> {
  return runCommand(temporalCliPath(), [...args, '--address', address], { env: baseEnv() }, 60_000);
}

/** Starts the server (frontend, history, matching and worker services in one process) and waits until it serves. */
export async function startTemporalServer(tools: ClusterTools, pg: RunningPostgres, dir: string): Promise<RunningTemporalServer> {
  const env = await temporalServerEnv(pg);
  const address = `127.0.0.1:${env.FRONTEND_GRPC_PORT}`;
  const server = startService('the Temporal server', tools.temporalServer, ['--allow-no-auth', 'start'], { env, cwd: dir, logFile: path.join(dir, 'temporal-server.log') });
  await waitUntil('the Temporal server did not report SERVING', async () => /SERVING/.test(await temporalCli(address, ['operator', 'cluster', 'health'])), { timeoutMs: 120_000, process: server });
  return { address, process: server, stop: () => server.stop('SIGTERM', 30_000) };
}

/**
 * What an operator does once on a new cluster, as docker-compose.yml's setup job does it: create
 * the namespace unless it exists, then register drillctl's search attributes (every one a Keyword)
 * with `temporal operator search-attribute create`, one per call (the CLI takes one type per call
 * and pairs it with the first name only).
 */
export async function prepareNamespace(address: string, namespace: string): Promise<void> {
  const exists = await temporalCli(address, ['operator', 'namespace', 'describe', '--namespace', namespace]).then(() => true, () => false);
  if (!exists) await temporalCli(address, ['operator', 'namespace', 'create', '--namespace', namespace, '--retention', NAMESPACE_RETENTION]);
  // Each service sees a new namespace, and later its attributes, when its namespace cache
  // refreshes (every 2 s by default), so each step waits until the frontend answers for it.
  await waitUntil(`namespace ${namespace} did not become visible`, async () => {
    await temporalCli(address, ['operator', 'search-attribute', 'list', '--namespace', namespace]);
    return true;
  }, { timeoutMs: 60_000 });
  for (const key of ALL_SEARCH_ATTRIBUTES) {
    await temporalCli(address, ['operator', 'search-attribute', 'create', '--namespace', namespace, '--name', key.name, '--type', 'Keyword']);
  }
  await waitUntilSteady(`namespace ${namespace} did not accept queries on drillctl's search attributes`, async () => {
    await temporalCli(address, ['workflow', 'count', '--namespace', namespace, '--query', ALL_SEARCH_ATTRIBUTES.map((k) => `${k.name} = 'none'`).join(' AND ')]);
  });
}

/**
 * Waits until `check` passes on every try for longer than two namespace-cache refreshes: right
 * after registration, answers can flip between old and new while the caches catch up.
 */
async function waitUntilSteady(what: string, check: () => Promise<void>): Promise<void> {
  let since: number | undefined;
  await waitUntil(what, async () => {
    try {
      await check();
    } catch (err) {
      since = undefined;
      throw err;
    }
    since ??= Date.now();
    return Date.now() - since >= 5000;
  }, { timeoutMs: 90_000 });
}
