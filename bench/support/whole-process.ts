import { execFile } from 'node:child_process';

/**
 * Runs a command as a whole process under a small python3 parent that reports its wall time from
 * spawn to exit, its CPU time (user + system, all its threads) and its peak RSS (getrusage of the
 * waited child), the same way for every side.
 */
const TIMER = [
  'import json, resource, subprocess, sys, time',
  't = time.perf_counter()',
  'r = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)',
  'ms = (time.perf_counter() - t) * 1000',
  'if r.returncode:',
  '    sys.stderr.write(r.stderr.decode(errors="replace") or "exit code %d" % r.returncode)',
  '    sys.exit(1)',
  'lines = r.stdout.decode(errors="replace").strip().splitlines()',
  'u = resource.getrusage(resource.RUSAGE_CHILDREN)',
  'print(json.dumps({"ms": ms, "cpuMs": (u.ru_utime + u.ru_stime) * 1000, "maxRssKiB": u.ru_maxrss, "stdout": lines[-1] if lines else ""}))',
].join('\n');

export interface ProcessMeasure {
  ms: number;
  cpuMs: number;
  maxRssKiB: number;
  /** The last line the process printed. */
  stdout: string;
}

export function measureProcess(argv: string[], cwd: string): Promise<ProcessMeasure> {
  return new Promise((resolve, reject) =>
    execFile('python3', ['-c', TIMER, ...argv], { cwd, encoding: 'utf8', maxBuffer: 1 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${argv.join(' ')}: ${stderr || err.message}`)) : resolve(JSON.parse(stdout.trim()) as ProcessMeasure),
    ),
  );
}
