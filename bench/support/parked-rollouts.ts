import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { readConfigFile } from '../../src/config-file';
import type { Config } from '../../src/domain/config/schema';
import { seedServiceGroup, startCloudRunSandbox, type CloudRunSandbox, type ServiceGroupSpec } from '../../src/sandbox/cloud-run';
import { WORKER_PROCESS_ENV } from '../../src/temporal/worker-process-env';
import { startRolloutMetrics, type RolloutMetrics } from '../../src/sandbox/rollout';

export const PARKED_ENVIRONMENT = 'bench-parked';
const HOUR_MS = 3_600_000;

/** Group `parked-<i>`: one backend pinned at 100 % to its stable revision, a Ready candidate beside it with no traffic. */
function parkedGroup(i: number, now: number): ServiceGroupSpec {
  const service = `oa-convex-backend-parked-${i}`;
  const stable = `${service}-00011-v4r`;
  return {
    name: `parked-${i}`,
    services: [
      {
        role: 'backend',
        service,
        kind: 'backend',
        revisions: [
          { name: `${service}-00010-kpf`, createdAt: new Date(now - 72 * HOUR_MS) },
          { name: stable, createdAt: new Date(now - 48 * HOUR_MS) },
          { name: `${service}-00012-c7n`, createdAt: new Date(now - HOUR_MS) },
        ],
        traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: stable, percent: 100, tag: '' }],
      },
    ],
  };
}

export interface ParkedSandbox {
  cloudRun: CloudRunSandbox;
  config: Config;
  configPath: string;
  groups: string[];
  service(group: string): string;
  stop(): Promise<void>;
}

/**
 * `count` release groups on one Cloud Run sandbox (in this process, so the bench reads the exact
 * instant of every UpdateService call), the G7 group whose routers the health gate checks, and
 * the metrics endpoint the bake's analysis reads; the config file the worker process runs with.
 */
export async function startParkedSandbox(dir: string, count: number): Promise<ParkedSandbox> {
  const now = Date.now();
  const groups = Array.from({ length: count }, (_, i) => parkedGroup(i, now));
  const cloudRun = await startCloudRunSandbox({ groups: [seedServiceGroup(0, now), ...groups], propagationDelayMs: 100, operationDelayMs: 100, migrationWindowMs: 0 });
  const metrics: RolloutMetrics = await startRolloutMetrics();
  const [backend, dashboard] = cloudRun.group('convex').services;
  const configPath = path.join(dir, 'parked-config.yaml');
  fs.writeFileSync(
    configPath,
    stringify({
      environments: {
        [PARKED_ENVIRONMENT]: {
          sandbox: true,
          health: { backendUrl: backend!.url, dashboardUrl: dashboard!.url, attempts: 3, timeoutMs: 3000 },
          cloudRun: { project: cloudRun.project, region: cloudRun.region, apiEndpoint: cloudRun.grpcAddress },
          serviceGroups: Object.fromEntries(groups.map((g) => [g.name, { services: { backend: { service: g.services[0]!.service } } }])),
          rollback: { rtoTargetSeconds: 300, probeIntervalMs: 100, consecutiveHealthy: 3, switchTimeoutSeconds: 120, holdSeconds: 0 },
          rollout: { endpoints: { metrics: metrics.url } },
        },
      },
    }),
  );
  const byGroup = new Map(groups.map((g) => [g.name, g.services[0]!.service]));
  return {
    cloudRun,
    config: readConfigFile(configPath),
    configPath,
    groups: groups.map((g) => g.name),
    service: (group) => byGroup.get(group)!,
    async stop() {
      await metrics.stop();
      await cloudRun.stop();
    },
  };
}

/**
 * Step `canary` (10 %) with the health gate, no approval, and a bake with analysis; then step
 * `full` (100 %), which waits for alice's approval: every rollout parks there after one whole step.
 */
export function parkedPlan(group: string, bake: string): string {
  return `environment: ${PARKED_ENVIRONMENT}
serviceGroup: ${group}
candidates: { backend: latest }
steps:
  - name: canary
    percent: 10
    gates: [health]
    approval: { required: false }
    bake: ${bake}
    analysis:
      interval: 1s
      stopAfter: 30s
      probes:
        - { target: service, samples: 3, minSuccessRate: 1 }
      metrics:
        - { name: projection-lag, url: "\${endpoints.metrics}/projection-lag-p95", field: value, max: 25 }
  - name: full
    percent: 100
    approval: { approvers: [alice], timeout: 24h, onTimeout: hold }
`;
}

/** The product's worker (compiled lib/worker.js, default options) in a process of its own, so its RSS is its own. */
export interface WorkerProcess {
  pid: number;
  /** Resident set now and at its peak (VmRSS, VmHWM), MiB. */
  rssMiB(): { now: number; peak: number };
  stop(): Promise<void>;
}

export async function startWorkerProcess(root: string, temporalAddress: string, configPath: string, home: string): Promise<WorkerProcess> {
  // BENCH_WORKER_NODE_ARGS profiles the worker, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` (its threads too).
  const nodeArgs = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, path.join(root, 'lib', 'worker.js')], {
    cwd: root,
    env: { ...WORKER_PROCESS_ENV, PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_ADDRESS: temporalAddress, DRILLCTL_CONFIG: configPath, DRILLCTL_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  // BENCH_WORKER_LOG=FILE keeps the worker's output (with BENCH_WORKER_NODE_ARGS=--trace-gc, its heap after each GC).
  if (process.env.BENCH_WORKER_LOG) {
    const log = fs.createWriteStream(process.env.BENCH_WORKER_LOG, { flags: 'a' });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
  }
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (out.includes('worker polling')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the worker exited with ${code} before polling:\n${out}`)));
  });
  const field = (name: string): number => Number(/(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(name)) ?? '')?.[1] ?? NaN) / 1024;
  return {
    pid: child.pid!,
    rssMiB: () => ({ now: field('VmRSS:'), peak: field('VmHWM:') }),
    async stop() {
      if (child.exitCode !== null || child.signalCode) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    },
  };
}
