import { isCancellation, workflowInfo, type Next, type WorkflowExecuteInput, type WorkflowInboundCallsInterceptor, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { DrillEnvironment, DrillKind, DrillServiceGroup } from '../temporal/search-attributes';
import { recordDrillOutcome } from './metrics';
import { resultOfFailure } from '../contracts/run-conclusion';

// Workflow interceptors the worker registers (interceptors.workflowModules in src/worker.ts).

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/**
 * Counts every drill, gate and rollout by kind, environment and verdict when it ends, with the
 * figures its result carries (RTO, restore time, snapshot size). It reads the result the workflow
 * returns (or the one its FAIL carries), so the workflows themselves stay free of metric code, and it
 * issues no command.
 */
class DrillOutcomeMetrics implements WorkflowInboundCallsInterceptor {
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    try {
      const result = await next(input);
      this.record(input, result, undefined);
      return result;
    } catch (err) {
      // A FAIL verdict fails the workflow with its result as the failure's details: count it with its figures.
      const failed = resultOfFailure(err);
      if (failed !== undefined) this.record(input, failed, undefined);
      else this.record(input, undefined, isCancellation(err) ? 'CANCELLED' : 'ERROR');
      throw err;
    }
  }

  private record(input: WorkflowExecuteInput, result: unknown, failedAs: string | undefined): void {
    const info = workflowInfo();
    const attrs = info.typedSearchAttributes;
    const arg = isObject(input.args[0]) ? input.args[0] : {};
    const r = isObject(result) ? result : {};
    const phaseSeconds = isObject(r.phaseSeconds) ? r.phaseSeconds : {};
    recordDrillOutcome({
      kind: attrs.get(DrillKind) ?? info.workflowType,
      environment: str(r.environment) ?? str(arg.environment) ?? attrs.get(DrillEnvironment) ?? '',
      group: str(r.group) ?? str(arg.group) ?? attrs.get(DrillServiceGroup),
      verdict: failedAs ?? str(r.verdict) ?? 'UNKNOWN',
      rtoSeconds: num(r.rtoSeconds),
      restoreSeconds: num(r.restoreSeconds) ?? num(phaseSeconds.restore),
      snapshotBytes: r.snapshot ? num(r.snapshotBytes) : undefined,
    });
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ inbound: [new DrillOutcomeMetrics()] });
