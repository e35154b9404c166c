import type { z } from 'zod';
import type { EnvironmentSchema } from '../../domain/config/schema';
import type { CloudRunSandbox } from '../cloud-run';
import type { FaultRegistry } from '../faults';
import { startCohortFlagService, type CohortFlagService } from './cohort-flags';
import type { releaseServiceGroup } from './release-group';
import { startRolloutMetrics, type RolloutMetrics } from './rollout-metrics';

type EnvironmentInput = z.input<typeof EnvironmentSchema>;

/** The sandbox environment a staged rollout runs in (examples/rollout.yaml names it). */
export const SANDBOX_ROLLOUT_ENVIRONMENT = 'sandbox-rollout';

export interface RolloutStandIns {
  flags: CohortFlagService;
  metrics: RolloutMetrics;
  endpoints: { flags: string; metrics: string };
  /**
   * The rollout's environment: the release group (stable pinned, candidate beside it) with its own
   * health, and the same Convex and runtime stand-ins as `base` for the backup/restore and replay gates.
   */
  environment(base: EnvironmentInput): EnvironmentInput;
  stop(): Promise<void>;
}

/**
 * Starts the cohort flag service and the metrics endpoint, and registers the faults a rollout demo
 * needs: `rollout-metric` (a budget breached), `rollout-candidate` (the candidates answer errors),
 * `cohort-flags` (the flag service is down).
 */
export async function startRolloutStandIns(cloudRun: CloudRunSandbox, faults: FaultRegistry, group: ReturnType<typeof releaseServiceGroup>): Promise<RolloutStandIns> {
  const flags = await startCohortFlagService();
  const metrics = await startRolloutMetrics();
  const services = cloudRun.group(group.name).services;
  faults.register('rollout-metric', {
    description: 'a rollout metric breaches its budget (params: name, one of projection-lag-p95, write-failure-ratio, drifts, replay-errors; value)',
    inject: (p) => metrics.set(String(p.name ?? 'projection-lag-p95'), Number(p.value ?? 100)),
    clear: () => metrics.reset(),
  });
  faults.register('rollout-candidate', {
    description: "the release group's candidate revisions answer with an error (params: status, default 503)",
    inject: (p) => services.forEach((s) => cloudRun.setRevisionFault(s.service, group.candidate[s.role]!, { kind: 'http-error', status: Number(p.status ?? 503) })),
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
    endpoints: { flags: flags.url, metrics: metrics.url },
    environment(base) {
      return {
        // A copy: the config file then reads as plain YAML, without anchors shared with `base`.
        ...structuredClone(base),
        health: { backendUrl: url('backend'), dashboardUrl: url('dashboard'), attempts: 3, timeoutMs: 3000 },
        serviceGroups: { convex: { services: Object.fromEntries(services.map((s) => [s.role, { service: s.service }])) } },
        rollout: {
          endpoints: { flags: flags.url, metrics: metrics.url },
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
      await flags.stop();
      await metrics.stop();
    },
  };
}
