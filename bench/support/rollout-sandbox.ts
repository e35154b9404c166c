import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { DrillClient } from '../../src/client';
import { readConfigFile } from '../../src/config-file';
import { loadRolloutPlan } from '../../src/domain/rollout/plan-context';
import { resolveTemporalTarget } from '../../src/temporal/connection';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox';
import { SANDBOX_ROLLOUT_ENVIRONMENT } from '../../src/sandbox/rollout';
import { approveUpdate, rolloutStatusQuery, type RolloutRequest, type RolloutStatus } from '../../src/contracts/rollout';
import type { BenchContext } from '../harness';
import { benchConfig } from './worker';

export interface RolloutSandbox {
  sandbox: Sandbox;
  /** Starts a rollout of `planYaml` as `drillctl rollout start --as carol` would (same input builder). */
  start(client: Client, planYaml: string, over?: Partial<RolloutRequest>): Promise<WorkflowHandleWithFirstExecutionRunId>;
  stop(): Promise<void>;
}

/**
 * The full sandbox (Cloud Run, Convex, runtime, rollout stand-ins) in the bench's temporary
 * directory; `notifyWebhook` becomes the notification target `bench` plans name.
 */
export async function startRolloutSandbox(ctx: BenchContext, name: string, opts: { notifyWebhook?: string } = {}): Promise<RolloutSandbox> {
  const dir = fs.mkdtempSync(path.join(ctx.tmpDir, `${name}-`));
  const sandbox = await startSandbox({ dataDir: path.join(dir, 'sandbox') });
  // Traffic settles as fast as in test/support/rollout-sandbox.ts, not at the demo's pace (800 ms, probes every 250 ms).
  sandbox.cloudRun.setPropagationDelay(100);
  const env = sandbox.config.environments[SANDBOX_ROLLOUT_ENVIRONMENT]!;
  env.rollback = { ...env.rollback, probeIntervalMs: 100 };
  if (opts.notifyWebhook) env.rollout = { ...env.rollout, notifications: { bench: { webhook: opts.notifyWebhook } } };
  fs.writeFileSync(sandbox.configPath, stringify(sandbox.config));
  // The shared bench worker owns its config: this sandbox's environments join it.
  const config = readConfigFile(sandbox.configPath);
  Object.assign(benchConfig.environments, config.environments);
  return {
    sandbox,
    async start(client, planYaml, over = {}) {
      const { plan } = loadRolloutPlan(planYaml, 'bench plan', config);
      const request: RolloutRequest = { environment: plan.environment, group: plan.serviceGroup, initiator: 'carol', plan, ...over };
      const run = await new DrillClient(client, resolveTemporalTarget(), config).startRollout(request);
      return run.handle as WorkflowHandleWithFirstExecutionRunId;
    },
    stop: () => sandbox.stop(),
  };
}

export interface PlanOptions {
  steps: number;
  bake: string;
  interval: string;
  /** Notify the target `bench` (declared by startRolloutSandbox's notifyWebhook). */
  notify?: boolean;
}

/**
 * A plan for the sandbox's release group where every step uses everything a step can have: all four
 * gates, a required approval with approvers and a timeout, a cohort hook, a bake, and analysis with
 * service and tag probes and every sandbox metric.
 */
export function allGatesPlan(o: PlanOptions, endpoints: { metrics: string }): string {
  const steps = Array.from({ length: o.steps }, (_, i) => {
    const percent = i === o.steps - 1 ? 100 : Math.floor((100 * i) / (o.steps - 1));
    return `
  - name: step-${i + 1}
    percent: ${percent}${i === 0 ? '\n    tag: staff' : ''}
    gates: [health, backup-restore, replay, rollback]
    approval: { approvers: [alice, bob], timeout: 10m, onTimeout: abort }
    bake: ${o.bake}
    hooks:
      - { name: cohort-flag, params: { cohort: c${i + 1} } }
    analysis:
      interval: ${o.interval}
      stopAfter: 30s
      probes:
        - { target: tag, samples: 5, minSuccessRate: 1 }
        - { target: service, samples: 5, minSuccessRate: 0.99, maxP95LatencyMs: 1000 }
      metrics:
        - { name: projection-lag, url: "${endpoints.metrics}/projection-lag-p95", field: value, max: 25 }
        - { name: write-failures, url: "${endpoints.metrics}/write-failure-ratio", field: value, max: 0.01 }
        - { name: drifts, url: "${endpoints.metrics}/drifts", field: value, max: 3 }
        - { name: replay-errors, url: "${endpoints.metrics}/replay-errors", field: value, max: 0 }`;
  });
  return `environment: ${SANDBOX_ROLLOUT_ENVIRONMENT}
serviceGroup: convex
${o.notify ? 'notify: { target: bench }\n' : ''}steps:${steps.join('')}
`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Approves each step as it comes up (as `drillctl rollout approve` does), until the rollout ends. */
export async function approveEveryStep(handle: WorkflowHandle, approver = 'alice'): Promise<void> {
  const approved = new Set<string>();
  for (;;) {
    const d = await handle.describe();
    if (d.status.name !== 'RUNNING') return;
    const s: RolloutStatus | undefined = await handle.query(rolloutStatusQuery).catch(() => undefined);
    if (s?.phase === 'awaiting-approval' && s.currentStep && !approved.has(s.currentStep)) {
      await handle.executeUpdate(approveUpdate, { args: [{ step: s.currentStep, approver, reason: 'bench: criteria met' }] });
      approved.add(s.currentStep);
    }
    await sleep(100);
  }
}
