#!/usr/bin/env node
// Set-up for the cluster test (`npm run test:cluster`): PostgreSQL 15 from Debian's packages, and the
// Temporal server with its SQL schema tool built from the Go module proxy. Idempotent: the build
// (about ten minutes the first time) goes to a per-machine cache outside the repository and is reused
// by every later run and every checkout on the machine. Paths are written to .tools/cluster.json,
// which test/support/cluster/tools.ts reads.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
// The server version docker-compose.yml runs too; the test keeps the two in step.
const TEMPORAL_SERVER_VERSION = '1.32.2';
const SERVER_MODULE = 'go.temporal.io/server';
// 1.32.2's go.mod asks for a newer Go than Debian ships; `go` fetches this toolchain from the proxy.
const GO_TOOLCHAIN = 'go1.27.3';
const POSTGRES_MAJOR = '15';

function log(msg) { process.stderr.write(`[cluster setup] ${msg}\n`); }
function fail(msg) {
  process.stderr.write(`cluster setup: ${msg}\n`);
  process.exit(2);
}

function cacheDir() {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'drillctl', `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

function runs(bin, args) {
  return spawnSync(bin, args, { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

function ensurePostgres() {
  const binDir = process.env.POSTGRES_BIN_DIR || `/usr/lib/postgresql/${POSTGRES_MAJOR}/bin`;
  const needed = ['initdb', 'postgres', 'pg_isready'];
  const present = () => needed.every((b) => fs.existsSync(path.join(binDir, b)));
  if (present()) return binDir;
  if (process.env.POSTGRES_BIN_DIR) fail(`POSTGRES_BIN_DIR=${binDir} lacks ${needed.join(', ')}. Point it at PostgreSQL's bin folder or unset it.`);
  if (process.getuid?.() !== 0 || !fs.existsSync('/usr/bin/apt-get')) {
    fail(`PostgreSQL ${POSTGRES_MAJOR} is not installed (${binDir}). Install it (apt-get install postgresql-${POSTGRES_MAJOR}) or set POSTGRES_BIN_DIR.`);
  }
  log(`installing postgresql-${POSTGRES_MAJOR} with apt-get ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (update.status !== 0) fail('apt-get update failed; see the output above.');
  const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', `postgresql-${POSTGRES_MAJOR}`], { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (install.status !== 0 || !present()) fail(`apt-get install postgresql-${POSTGRES_MAJOR} failed; see the output above.`);
  return binDir;
}

function goEnv() {
  return { ...process.env, GOTOOLCHAIN: GO_TOOLCHAIN, GOFLAGS: [process.env.GOFLAGS, '-buildvcs=false'].filter(Boolean).join(' ') };
}

function ensureGo() {
  if (!runs('go', ['version'])) {
    fail(`the Go command is not on PATH. Install Go 1.21 or newer (https://go.dev/dl/); it fetches ${GO_TOOLCHAIN} by itself.`);
  }
}

/** Builds temporal-server and temporal-sql-tool into the cache, unless a working pair is there. */
function ensureTemporalBinaries(cache) {
  const binDir = path.join(cache, 'bin');
  const server = path.join(binDir, 'temporal-server');
  const sqlTool = path.join(binDir, 'temporal-sql-tool');
  if (runs(server, ['--version']) && runs(sqlTool, ['--version'])) return { server, sqlTool };
  ensureGo();
  log(`building the Temporal server ${TEMPORAL_SERVER_VERSION} and its SQL schema tool with ${GO_TOOLCHAIN} (about ten minutes the first time) ...`);
  // `go install` names binaries after their package folders (server, sql); build beside the final
  // names and rename, so a half-finished build never looks like a working one.
  const buildDir = fs.mkdtempSync(path.join(cache, 'build-'));
  const r = spawnSync('nice', ['-n', '10', 'go', 'install',
    `${SERVER_MODULE}/cmd/server@v${TEMPORAL_SERVER_VERSION}`,
    `${SERVER_MODULE}/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...goEnv(), GOBIN: buildDir } });
  if (r.status !== 0) fail(`go install of ${SERVER_MODULE}@v${TEMPORAL_SERVER_VERSION} failed; see the output above.`);
  fs.mkdirSync(binDir, { recursive: true });
  fs.renameSync(path.join(buildDir, 'server'), server);
  fs.renameSync(path.join(buildDir, 'sql'), sqlTool);
  fs.rmSync(buildDir, { recursive: true, force: true });
  if (!runs(server, ['--version'])) fail(`${server} was built but does not run.`);
  return { server, sqlTool };
}

/** The module's PostgreSQL schema (base + versioned updates), copied into the cache from the module download. */
function ensureSchema(cache) {
  const schemaDir = path.join(cache, 'schema', 'postgresql', 'v12');
  const ready = ['temporal', 'visibility'].every((db) => fs.existsSync(path.join(schemaDir, db, 'versioned')));
  if (ready) return schemaDir;
  ensureGo();
  const r = spawnSync('go', ['mod', 'download', '-json', `${SERVER_MODULE}@v${TEMPORAL_SERVER_VERSION}`], { cwd: os.tmpdir(), encoding: 'utf8', env: goEnv() });
  if (r.status !== 0) fail(`go mod download ${SERVER_MODULE}@v${TEMPORAL_SERVER_VERSION} failed: ${r.stderr || r.stdout}`);
  const moduleDir = JSON.parse(r.stdout).Dir;
  const from = path.join(moduleDir, 'schema', 'postgresql', 'v12');
  const staging = `${schemaDir}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.cpSync(from, staging, { recursive: true });
  // The module cache is read-only; the copy should not be.
  spawnSync('chmod', ['-R', 'u+w', staging]);
  fs.rmSync(schemaDir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(schemaDir), { recursive: true });
  fs.renameSync(staging, schemaDir);
  return schemaDir;
}

function main() {
  const cache = cacheDir();
  fs.mkdirSync(cache, { recursive: true });
  const postgresBinDir = ensurePostgres();
  const { server, sqlTool } = ensureTemporalBinaries(cache);
  const schemaDir = ensureSchema(cache);
  const out = { temporalServerVersion: TEMPORAL_SERVER_VERSION, temporalServer: server, temporalSqlTool: sqlTool, postgresqlSchemaDir: schemaDir, postgresBinDir };
  const toolsDir = path.join(root, '.tools');
  fs.mkdirSync(toolsDir, { recursive: true });
  const file = path.join(toolsDir, 'cluster.json');
  const next = JSON.stringify(out, null, 2) + '\n';
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== next) {
    fs.writeFileSync(file, next);
    log(`temporal-server ${TEMPORAL_SERVER_VERSION}: ${server}`);
    log(`PostgreSQL: ${postgresBinDir}`);
  }
}

main();
