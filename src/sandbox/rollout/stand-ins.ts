import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { EnvironmentSchema } from '../../domain/config/schema';
import type { CloudRunSandbox } from '../cloud-run';
import type { FaultRegistry } from '../faults';
import { startCohortFlagService, type CohortFlagService } from './cohort-flags';
import type { releaseServiceGroup } from './release-group';
import { startCloudMonitoringEmulator, startPrometheusApi, type CloudMonitoringEmulator, type PrometheusApi } from '../monitoring';
import { startRolloutMetrics, type RolloutMetrics } from './rollout-metrics';
import { startSandboxUsers, type SandboxUsers } from './users';

type EnvironmentInput = z.input<typeof EnvironmentSchema>;

/** The sandbox environment a staged rollout runs in (examples/rollout.yaml names it). */
export const SANDBOX_ROLLOUT_ENVIRONMENT = 'sandbox-rollout';

export interface RolloutStandIns {
  flags: CohortFlagService;
  metrics: RolloutMetrics;
  /** Cloud Monitoring (gRPC) and Prometheus (HTTP API) over the routers' request log. */
  cloudMonitoring: CloudMonitoringEmulator;
  prometheus: PrometheusApi;
  /** The release group's users: real requests to its service URLs all along. */
  users: SandboxUsers;
  endpoints: { flags: string; metrics: string; cloudMonitoring: string; prometheus: string };
  /**
   * The rollout's environment: the release group (stable pinned, candidate beside it) with its own
   * health, and the same Convex and runtime stand-ins as `base` for the backup/restore and replay gates.
   */
  environment(base: EnvironmentInput): EnvironmentInput;
  stop(): Promise<void>;
}

export interface RolloutStandInOptions {
  /** Where the Prometheus bearer token file goes (mode 600; the config names it by reference). */
  dataDir: string;
  /** Requests per second the release group's users send to each service URL; default backend 40, dashboard 5. */
  usersPerSecond?: Record<string, number>;
}

/**
 * Starts the cohort flag service, the metrics endpoint, Cloud Monitoring and Prometheus over the
 * routers' request log, and the release group's users; registers the faults a rollout demo needs:
 * `rollout-metric` (a budget breached), `rollout-candidate` (the candidates answer errors, for a
 * share of requests), `cohort-flags` (the flag service is down).
 */
export async function startRolloutStandIns(cloudRun: CloudRunSandbox, faults: FaultRegistry, group: ReturnType<typeof releaseServiceGroup>, opts: RolloutStandInOptions): Promise<RolloutStandIns> {
  const flags = await startCohortFlagService();
  const metrics = await startRolloutMetrics();
  const services = cloudRun.group(group.name).services;
  const cloudMonitoring = await startCloudMonitoringEmulator({ log: cloudRun.requests, project: cloudRun.project, location: cloudRun.region });
  const prometheusToken = crypto.randomBytes(18).toString('hex');
  const prometheusTokenFile = path.join(opts.dataDir, 'prometheus-token');
  fs.writeFileSync(prometheusTokenFile, `${prometheusToken}\n`, { mode: 0o600 });
  const prometheus = await startPrometheusApi({ log: cloudRun.requests, bearerToken: prometheusToken });
  const perSecond = opts.usersPerSecond ?? { backend: 40, dashboard: 5 };
  const users = startSandboxUsers(services.map((s) => ({ url: s.url, perSecond: perSecond[s.role] ?? 0 })));
  faults.register('rollout-metric', {
    description: 'a rollout metric breaches its budget (params: name, one of projection-lag-p95, write-failure-ratio, drifts, replay-errors; value)',
    inject: (p) => metrics.set(String(p.name ?? 'projection-lag-p95'), Number(p.value ?? 100)),
    clear: () => metrics.reset(),
  });
  faults.register('rollout-candidate', {
    description: "the release group's candidate revisions answer with an error (params: status, default 503; share of requests, default 1, e.g. 0.3; role, default every service)",
    inject: (p) => {
      const share = p.share === undefined ? undefined : Number(p.share);
      if (share !== undefined && !(share > 0 && share <= 1)) throw new Error('params.share must be a number above 0 and at most 1');
      const chosen = services.filter((s) => p.role === undefined || s.role === p.role);
      if (chosen.length === 0) throw new Error(`params.role must be one of: ${services.map((s) => s.role).join(', ')}`);
      chosen.forEach((s) => cloudRun.setRevisionFault(s.service, group.candidate[s.role]!, { kind: 'http-error', status: Number(p.status ?? 503), ...(share !== undefined ? { share } : {}) }));
    },
    clear: () => services.forEach((s) => cloudRun.setRevisionFault(s.service, group.candidate[s.role]!, null)),
  });
  faults.register('cohort-flags', {
    description: 'the cohort flag service answers with an error (params: status, default 503)',
    inject: (p) => flags.setFailure(Number(p.status ?? 503)),
    clear: () => flags.setFailure(null),
  });
  const url = (role: string): string => {
    const s = services.find((x) => x.role === role);
    if (!s) throw new Error(`the release group has no ${role}`);
    return s.url;
  };
  return {
    flags,
    metrics,
    cloudMonitoring,
    prometheus,
    users,
    endpoints: { flags: flags.url, metrics: metrics.url, cloudMonitoring: cloudMonitoring.address, prometheus: prometheus.url },
    environment(base) {
      return {
        // A copy: the config file then reads as plain YAML, without anchors shared with `base`.
        ...structuredClone(base),
        health: { backendUrl: url('backend'), dashboardUrl: url('dashboard'), attempts: 3, timeoutMs: 3000 },
        serviceGroups: { convex: { services: Object.fromEntries(services.map((s) => [s.role, { service: s.service }])) } },
        rollout: {
          endpoints: { flags: flags.url, metrics: metrics.url },
          // Plans name these (`provider: cloud-run`): Cloud Run's request metrics per revision, as
          // Cloud Monitoring holds them, and the same data through Prometheus' HTTP API.
          metricProviders: {
            'cloud-run': { cloudMonitoring: { apiEndpoint: cloudMonitoring.address } },
            prometheus: { prometheus: { url: prometheus.url, auth: { bearer: `file:${prometheusTokenFile}` } } },
          },
          // Plans name this hook (`{ name: cohort-flag, params: { cohort: staff } }`); only the config says what it runs.
          hooks: {
            'cohort-flag': {
              params: ['cohort'],
              do: { http: { method: 'PUT', url: `${flags.url}/cohorts/{cohort}`, body: { enabled: true } } },
              undo: { http: { method: 'PUT', url: `${flags.url}/cohorts/{cohort}`, body: { enabled: false } } },
            },
          },
        },
        // Checked before every shift like anywhere else, but open at every hour so the demo runs
        // whenever it is started; narrow it (or add a freeze) to watch a rollout wait.
        changeWindows: { timeZone: 'UTC', allowed: [{ days: ['mon-sun'], hours: '00:00-24:00' }], freezes: [] },
      };
    },
    async stop() {
      await users.stop();
      await flags.stop();
      await metrics.stop();
      await cloudMonitoring.stop();
      await prometheus.stop();
    },
  };
}
