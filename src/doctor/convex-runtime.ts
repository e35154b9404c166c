import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { EnvironmentConfig } from '../domain/config/schema';
import { defaultConvexCliPath } from '../activities/backup/convex-cli';
import { errorText, fail, pass, warn, type DoctorRow } from './row';

const run = promisify(execFile);

/** A program named by an argv template: on PATH, or a path relative to the command's cwd. */
function programFound(program: string, cwd: string | undefined): boolean {
  if (program.includes('/')) return fs.existsSync(path.resolve(cwd ?? '.', program));
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, program)));
}

/** Convex backend /version, the convex CLI, and the runtime's commands. Read-only. */
export async function convexAndRuntimeChecks(env: EnvironmentConfig): Promise<DoctorRow[]> {
  const rows: DoctorRow[] = [];
  const backendUrl = env.health?.backendUrl ?? env.backup?.source.url;
  if (backendUrl) {
    try {
      const res = await fetch(new URL('/version', backendUrl), { signal: AbortSignal.timeout(10_000) });
      const body = (await res.text()).trim();
      rows.push(res.ok && body ? pass('convex backend /version', `${backendUrl} answers ${body.slice(0, 60)}`) : fail('convex backend /version', `${backendUrl}/version answered HTTP ${res.status}${body ? '' : ' with an empty body'}`, 'check the backend URL and that the deployment is up'));
    } catch (err) {
      rows.push(fail('convex backend /version', `${backendUrl}: ${errorText(err)}`, 'check the backend URL and the network path from the worker'));
    }
  }
  if (env.backup) {
    try {
      const { stdout } = await run(process.execPath, [defaultConvexCliPath(), '--version'], { timeout: 30_000 });
      rows.push(pass('convex cli', `version ${stdout.trim()}`));
    } catch (err) {
      rows.push(fail('convex cli', errorText(err), 'npm ci installs the convex CLI the drills use'));
    }
  }
  if (env.replay) {
    const commands = Object.entries(env.replay).filter(([k, v]) => Array.isArray(v) && /^(reproject|seed|cleanup|history)/.test(k)) as [string, string[]][];
    for (const [name, argv] of commands) {
      const program = argv[0]!;
      rows.push(programFound(program, env.replay.cwd) ? pass(`runtime ${name}`, `${program} found`) : fail(`runtime ${name}`, `${program} is not on PATH${env.replay.cwd ? ` or in ${env.replay.cwd}` : ''}`, `install it on the worker, or fix replay.${name}`));
    }
  } else if (env.production) {
    rows.push(warn('runtime', 'no replay section: the replay drill cannot run', 'add replay.reprojectRun and replay.reprojectWorker'));
  }
  return rows;
}
