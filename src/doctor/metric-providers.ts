import { monitoringClient } from '../activities/analysis/cloud-monitoring';
import { queryPrometheus } from '../activities/analysis/prometheus';
import { resolveSecret } from '../activities/secrets';
import type { EnvironmentConfig } from '../domain/config/schema';
import { durationMs } from '../domain/rollout/duration';
import { errorText, fail, pass, type DoctorRow } from './row';

/**
 * Each metric provider a plan may name: Prometheus answers an instant query (with its credentials),
 * Cloud Monitoring lets the worker's identity list Cloud Run's request_count. Read-only.
 */
export async function metricProviderChecks(env: EnvironmentConfig): Promise<DoctorRow[]> {
  const rows: DoctorRow[] = [];
  for (const [name, p] of Object.entries(env.rollout.metricProviders)) {
    const check = `metrics ${name}`;
    if ('prometheus' in p) {
      try {
        await queryPrometheus(p.prometheus, 'vector(1)', Date.now(), durationMs(p.prometheus.timeout), resolveSecret);
        rows.push(pass(check, `Prometheus at ${p.prometheus.url} answers instant queries`));
      } catch (err) {
        rows.push(fail(check, `Prometheus at ${p.prometheus.url}: ${errorText(err)}`, `check rollout.metricProviders.${name}.prometheus.url and its auth secret reference`));
      }
      continue;
    }
    const project = p.cloudMonitoring.project ?? env.cloudRun?.project;
    if (!project) {
      rows.push(fail(check, 'no project to read Cloud Monitoring in', `set rollout.metricProviders.${name}.cloudMonitoring.project or cloudRun.project`));
      continue;
    }
    try {
      const client = monitoringClient({ project, region: env.cloudRun?.region ?? '', ...(p.cloudMonitoring.apiEndpoint ? { apiEndpoint: p.cloudMonitoring.apiEndpoint } : {}), sandbox: env.sandbox });
      const now = Math.floor(Date.now() / 1000);
      const [series] = await client.listTimeSeries(
        { name: `projects/${project}`, filter: 'metric.type = "run.googleapis.com/request_count"', interval: { startTime: { seconds: now - 300 }, endTime: { seconds: now } }, view: 'HEADERS' },
        { timeout: durationMs(p.cloudMonitoring.timeout), retry: null },
      );
      rows.push(pass(check, `Cloud Monitoring of project ${project}: Cloud Run request_count readable (${series.length} revision series in the last 5 minutes)`));
    } catch (err) {
      rows.push(fail(check, `Cloud Monitoring of project ${project}: ${errorText(err)}`, `grant the worker's service account roles/monitoring.viewer (monitoring.timeSeries.list) on project ${project}`));
    }
  }
  return rows;
}
