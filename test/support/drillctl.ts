import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './worker';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `drillctl` as a user would, as a subprocess (from the TypeScript sources, so no build is needed). */
export function runDrillctl(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'drillctl.js'), ...args], {
      cwd: env.DRILLCTL_CWD ?? repoRoot,
      env: { ...process.env, DRILLCTL_FROM_SOURCE: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`drillctl ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
