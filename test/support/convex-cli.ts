import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CONVEX_CLI = path.join(path.dirname(require.resolve('convex/package.json')), 'bin', 'main.js');

export interface CliRun {
  code: number | null;
  output: string;
}

/**
 * Runs the real `convex` CLI for a stand-in test as the reference recommends (CI=1, NO_COLOR=1,
 * a folder whose package.json lists convex, an env file), independent of the product's adapter.
 */
export async function runConvexCli(args: string[], deployment: { url: string; adminKey: string }, cwd?: string): Promise<CliRun> {
  const dir = cwd ?? fs.mkdtempSync(path.join(os.tmpdir(), 'convex-cli-test-'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"dependencies":{"convex":"1.48.0"}}\n');
  const envFile = path.join(dir, '.deployment.env');
  fs.writeFileSync(envFile, `CONVEX_SELF_HOSTED_URL=${deployment.url}\nCONVEX_SELF_HOSTED_ADMIN_KEY=${deployment.adminKey}\n`, { mode: 0o600 });
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, CI: '1', NO_COLOR: '1' };
  const child = spawn(process.execPath, [CONVEX_CLI, ...args, '--env-file', envFile], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  fs.rmSync(envFile, { force: true });
  return { code, output };
}
