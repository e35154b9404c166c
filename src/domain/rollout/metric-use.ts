import { nearestName } from '../nearest-name';
import { isHttpMetric } from './http-provider';
import { CLOUD_RUN_METRICS, type MetricCheck } from './metric-check-schema';
import { providerKind, type MetricProvider } from './metric-provider-schema';

export interface MetricUseIssue {
  /** Below the plan's metric check: `provider`, `query`, `minSamples`. */
  path: string[];
  message: string;
}

/** What is wrong with a plan's metric check, checked against the environment's declared providers. */
export function metricUseIssues(m: MetricCheck, providers: Record<string, MetricProvider>, environment: string): MetricUseIssue[] {
  if (isHttpMetric(m)) return [];
  const names = Object.keys(providers);
  const provider = providers[m.provider!];
  if (!provider) {
    const near = nearestName(m.provider!, names);
    return [{ path: ['provider'], message: `metric provider "${m.provider}" is not declared in environments.${environment}.rollout.metricProviders of the worker's config${near ? `; did you mean "${near}"?` : ''} (known: ${['http (built in)', ...names].join(', ')})` }];
  }
  const issues: MetricUseIssue[] = [];
  if (providerKind(provider) === 'cloudMonitoring') {
    if (!(CLOUD_RUN_METRICS as readonly string[]).includes(m.query!)) {
      const near = nearestName(m.query!, [...CLOUD_RUN_METRICS]);
      issues.push({ path: ['query'], message: `provider "${m.provider}" (Cloud Monitoring) reads Cloud Run's request metrics: query is one of ${CLOUD_RUN_METRICS.join(', ')}${near ? `; did you mean "${near}"?` : ''}` });
    }
    if (m.countQuery) issues.push({ path: ['countQuery'], message: `provider "${m.provider}" (Cloud Monitoring) counts the revision's requests itself; remove countQuery` });
  } else if ((m.minSamples ?? 0) > 0 && !m.countQuery) {
    issues.push({ path: ['minSamples'], message: `provider "${m.provider}" (Prometheus) needs a countQuery answering the revision's requests in the window to check minSamples` });
  }
  return issues;
}
