import type { EnvironmentConfig } from '../../domain/config/schema';
import { durationMs } from '../../domain/rollout/duration';
import { fillQuery, type CloudRunMetric } from '../../domain/rollout/metric-check-schema';
import type { RevisionMetricReading, RevisionMetricRequest, RevisionSide } from '../../domain/rollout/revision-metrics';
import type { SecretRef } from '../../domain/secret-ref';
import { readCloudRunMetric } from './cloud-monitoring';
import { queryPrometheus } from './prometheus';

function failureText(err: unknown): string {
  const e = err as Error & { cause?: Error; details?: string };
  if (e?.name === 'TimeoutError') return 'timed out';
  return e?.details || e?.cause?.message || e?.message || String(err);
}

/**
 * One per-revision check read from the provider the environment declares: the candidate, and the
 * stable revision over the same window when the check compares. The provider's URL, project and
 * credentials come from the worker's config, never from the plan.
 */
export async function readRevisionMetric(req: RevisionMetricRequest, environment: string, env: EnvironmentConfig | undefined, resolve: (ref: SecretRef) => Promise<string>, nowMs: number): Promise<RevisionMetricReading> {
  const reading: RevisionMetricReading = { kind: 'revision-metric', check: req.check };
  const provider = env?.rollout.metricProviders[req.provider];
  if (!provider) return { ...reading, error: `metric provider "${req.provider}" is not declared in environments.${environment}.rollout.metricProviders of the worker's config` };
  const revisions = [req.candidate, ...(req.stable ? [req.stable] : [])];
  try {
    let sides: RevisionSide[];
    if ('prometheus' in provider) {
      const p = provider.prometheus;
      const timeoutMs = Math.min(req.timeoutMs, durationMs(p.timeout));
      sides = await Promise.all(
        revisions.map(async (revision) => {
          const values = { revision, service: req.service, step: req.step, window: `${Math.max(1, Math.round(req.windowMs / 1000))}s` };
          const [value, samples] = await Promise.all([
            queryPrometheus(p, fillQuery(req.query, values), nowMs, timeoutMs, resolve),
            req.countQuery ? queryPrometheus(p, fillQuery(req.countQuery, values), nowMs, timeoutMs, resolve) : Promise.resolve(undefined),
          ]);
          return { revision, ...(value !== undefined ? { value } : {}), ...(req.countQuery ? { samples: samples ?? 0 } : {}) };
        }),
      );
    } else {
      const c = provider.cloudMonitoring;
      const project = c.project ?? env?.cloudRun?.project;
      if (!project) return { ...reading, error: `metric provider "${req.provider}" has no project: set cloudMonitoring.project or the environment's cloudRun.project` };
      const target = { project, region: env?.cloudRun?.region ?? '', ...(c.apiEndpoint ? { apiEndpoint: c.apiEndpoint } : {}), sandbox: !!env?.sandbox };
      const timeoutMs = Math.min(req.timeoutMs, durationMs(c.timeout));
      sides = await Promise.all(revisions.map((revision) => readCloudRunMetric(target, req.query as CloudRunMetric, req.service, revision, req.windowMs, nowMs, timeoutMs)));
    }
    return { ...reading, candidate: sides[0], ...(sides[1] ? { stable: sides[1] } : {}) };
  } catch (err) {
    return { ...reading, error: `${req.provider}: ${failureText(err)}` };
  }
}
