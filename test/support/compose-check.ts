import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const source = path.join(__dirname, 'compose-check');

/**
 * The compose-check program (test/support/compose-check: compose-go, the loader `docker compose`
 * uses), built once from the Go module proxy into a per-machine cache keyed by its sources, under
 * `nice`. Go is required: without it the test fails with this message rather than skipping.
 */
export function composeCheckBinary(): string {
  const hash = crypto.createHash('sha256');
  for (const f of ['go.mod', 'go.sum', 'main.go']) hash.update(fs.readFileSync(path.join(source, f)));
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const dir = path.join(base, 'drillctl', `compose-check-${hash.digest('hex').slice(0, 16)}`);
  const bin = path.join(dir, 'compose-check');
  if (fs.existsSync(bin)) return bin;
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${bin}.${process.pid}`;
  const build = spawnSync('nice', ['go', 'build', '-mod=readonly', '-o', tmp, '.'], { cwd: source, encoding: 'utf8', env: { ...process.env, CGO_ENABLED: '0' } });
  if (build.error || build.status !== 0) {
    throw new Error(`could not build compose-check with Go (needed for the compose test; install Go ≥ 1.24 or put it on PATH): ${build.error?.message ?? build.stderr}`);
  }
  fs.renameSync(tmp, bin);
  return bin;
}

export interface ComposeLoad {
  status: number | null;
  project?: ComposeProject;
  stderr: string;
}

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | null;
  entrypoint?: string[] | null;
  environment?: Record<string, string | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[] };
  volumes?: { type: string; source: string; target: string; read_only?: boolean }[];
  ports?: { target: number; published: string }[];
  secrets?: { source: string; target: string }[];
}

export interface ComposeProject {
  name: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { file?: string }>;
}

/** Loads Compose files as `docker compose config` would, with only `env` as the environment. */
export function loadCompose(files: string[], env: NodeJS.ProcessEnv = {}): ComposeLoad {
  const run = spawnSync(composeCheckBinary(), files, { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: os.homedir(), ...env }, cwd: path.dirname(files[0] ?? '.') });
  return { status: run.status, stderr: run.stderr, project: run.status === 0 ? (JSON.parse(run.stdout) as ComposeProject) : undefined };
}
