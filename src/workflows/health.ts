import { type ActivityOptions, ActivityFailure, ApplicationFailure, patched, proxyActivities, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { fromWorkerConfig, settings } from './worker-settings';
import { failRun } from './plumbing/failure-result';
import { failureSummary, FAILURES_ARE_RESULTS_PATCH, RUN_FAILED } from '../contracts/run-conclusion';
import type { HttpCheckRequest } from '../activities/probes/http-check';
import { DrillKind, DrillOutcome } from '../temporal/search-attributes';
import type { HealthCheckName, HealthCheckResult, HealthDrillRequest, HealthDrillInput, HealthDrillResult } from '../contracts/health';
import { causeMessage } from './plumbing/cause-message';

/** One check as the workflow schedules it: an activity call whose retries are the polling. */
interface PlannedCheck {
  name: HealthCheckName;
  request: HttpCheckRequest;
}

function plannedChecks(input: HealthDrillInput): PlannedCheck[] {
  const { backendUrl, dashboardUrl, timeoutMs } = input.health;
  return [
    { name: 'backend-version', request: { url: new URL('/version', backendUrl).href, kind: 'non-empty-body', timeoutMs } },
    { name: 'backend-root', request: { url: new URL('/', backendUrl).href, kind: 'body-contains', expect: 'Convex deployment is running', timeoutMs } },
    { name: 'dashboard', request: { url: new URL('/', dashboardUrl).href, kind: 'status-in', expect: '200,302', timeoutMs } },
  ];
}

/** Baseline health of backend and dashboard, with retries and timing per check. */
export async function healthDrill(request: HealthDrillRequest): Promise<HealthDrillResult> {
  const input = await fromWorkerConfig<HealthDrillInput>(request, () => settings.resolveHealthDrill(request));
  upsertSearchAttributes([{ key: DrillKind, value: 'health' }]);
  const attempts = input.health.attempts;
  const checkOptions: ActivityOptions = {
    startToCloseTimeout: input.health.timeoutMs + 5000,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: attempts },
  };
  const { httpCheck } = proxyActivities<Activities>(checkOptions);
  const planned = plannedChecks(input);
  if (planned.length === 0) throw ApplicationFailure.nonRetryable('no health checks configured', 'InvalidInput');
  const startedAt = Date.now();
  const checks: HealthCheckResult[] = [];
  for (const check of planned) {
    setCurrentDetails(`Checking **${check.name}** (${check.request.url}), ${checks.length} of ${planned.length} done`);
    const t0 = Date.now();
    try {
      const out = await httpCheck.executeWithOptions({ ...checkOptions, summary: `${check.name}: GET ${check.request.url}` }, [check.request]);
      checks.push({ name: check.name, target: check.request.url, ok: true, attempts: out.attempt, durationMs: Date.now() - t0, detail: out.detail, servingRevision: out.servingRevision });
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      checks.push({ name: check.name, target: check.request.url, ok: false, attempts, durationMs: Date.now() - t0, detail: causeMessage(err) });
    }
  }
  // Cloud Run's own Ready condition per service, read by type (the operators' script first read conditions[0]: docs/origins.md).
  // Added after histories were recorded, so it is patched in.
  const cloudRun = input.cloudRun;
  if (cloudRun && input.cloudRunServices?.length && patched('cloud-run-readiness')) {
    const { checkCloudRunReadiness } = proxyActivities<Activities>(checkOptions);
    for (const service of input.cloudRunServices) {
      const name: HealthCheckName = `cloud-run-ready:${service}`;
      setCurrentDetails(`Checking **${name}**, ${checks.length} checks done`);
      const t0 = Date.now();
      try {
        const out = await checkCloudRunReadiness.executeWithOptions({ ...checkOptions, summary: `${name}: Ready condition of ${service}` }, [{ cloudRun, service }]);
        checks.push({ name, target: service, ok: true, attempts: out.attempt, durationMs: Date.now() - t0, detail: out.detail });
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        checks.push({ name, target: service, ok: false, attempts, durationMs: Date.now() - t0, detail: causeMessage(err) });
      }
    }
  }
  const verdict = checks.every((c) => c.ok) ? 'PASS' : 'FAIL';
  upsertSearchAttributes([{ key: DrillOutcome, value: verdict }]);
  setCurrentDetails(`Health drill **${verdict}**: ${checks.filter((c) => c.ok).length}/${checks.length} checks passed`);
  const causes = checks.filter((c) => !c.ok).map((c) => ({ type: 'HealthCheckFailed', message: `${c.name} (${c.target}): ${c.detail}` }));
  const result: HealthDrillResult = {
    workflowId: workflowInfo().workflowId,
    environment: input.environment,
    verdict,
    checks,
    startedAt: new Date(startedAt).toISOString(),
    durationMs: Date.now() - startedAt,
    conclusion: {
      summary:
        verdict === 'PASS'
          ? `Health drill passed: ${checks.length} checks. Nothing was changed.`
          : failureSummary('Health drill', causes.slice(0, 1), `${causes.length} of ${checks.length} checks failed. Nothing was changed.`),
      ...(verdict === 'FAIL' ? { failedAt: checks.find((c) => !c.ok)!.name } : {}),
      causes,
      changes: [],
      restored: true,
    },
  };
  if (verdict === 'FAIL' && patched(FAILURES_ARE_RESULTS_PATCH)) return failRun(RUN_FAILED.health, result);
  return result;
}
