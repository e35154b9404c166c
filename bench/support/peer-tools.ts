import { execFileSync } from 'node:child_process';

function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function aptInstall(pkg: string): void {
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', pkg], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/**
 * Installs the peers the snapshot benchmark measures against (Info-ZIP `unzip`, `python3` for
 * zipfile) with apt-get when they are missing; the package lists are refreshed only if the first
 * install fails, as on a fresh CI image.
 */
export function ensurePeerTools(log: (msg: string) => void): void {
  for (const [command, pkg] of [['unzip', 'unzip'], ['python3', 'python3']] as const) {
    if (has(command)) continue;
    log(`${command} is missing: apt-get install ${pkg}`);
    try {
      aptInstall(pkg);
    } catch {
      execFileSync('apt-get', ['update'], { stdio: 'ignore' });
      aptInstall(pkg);
    }
    if (!has(command)) throw new Error(`${command} is still missing after apt-get install ${pkg}; install it and run the benchmark again`);
  }
}
