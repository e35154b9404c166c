import { finishedRollout } from '../src/client';
import { loadRolloutPlan } from '../src/domain/rollout/plan-context';
import { RELEASE_SERVICES, SANDBOX_ROLLOUT_ENVIRONMENT } from '../src/sandbox/rollout';
import { releaseServiceGroup } from '../src/sandbox/rollout/release-group';
import { SANDBOX_ENVIRONMENT } from '../src/sandbox/sandbox';
import type { RollbackDrillResult } from '../src/contracts/rollback';
import { approveUpdate, rejectUpdate, rolloutStatusQuery, type RolloutResult } from '../src/contracts/rollout';
import { currentTraffic, exactlyOnce, sleep, type ChaosWorkflow, type Expectation } from './chaos-workflow';
import { setTraffic } from './context';
import { readinessGate } from './gate';
import { finishedRun } from '../src/contracts/run-conclusion';

export type { ChaosWorkflow, StartedTrial } from './chaos-workflow';

/**
 * `drillctl drill rollback --apply` on the G7 group: shift to the rollback targets, measure RTO,
 * restore the exact original. With `cancel`, the run is cancelled (the Web UI's "Request
 * Cancellation") as soon as its first traffic update reaches Cloud Run: cancellation is compensation.
 */
function rollbackDrill(name: string, cancel: boolean): ChaosWorkflow {
  return {
    name,
    closesAs: cancel ? ['CANCELLED', 'COMPLETED'] : ['COMPLETED'],
    // A cancelled drill ends within seconds of its first shift; an applied one holds, then restores.
    lanes: cancel ? 1 : 2,
    environment: SANDBOX_ENVIRONMENT,
    group: 'convex',
    services: ['oa-convex-backend-sandbox', 'oa-convex-dashboard-sandbox'],
    async start(ctx) {
      const services = this.services;
      const expected = { traffic: await currentTraffic(ctx, services), flags: {} };
      const startedMs = Date.now();
      const run = await ctx.drill.startRollback({ environment: this.environment, group: this.group, mode: 'apply', targets: {}, requestedBy: 'chaos' });
      const updates = () => ctx.sandbox.cloudRun.calls({ method: 'UpdateService' }).filter((c) => c.atMs >= startedMs).length;
      return {
        handle: run.handle,
        startedMs,
        expected,
        async drive(stop) {
          if (!cancel) return;
          while (!stop() && updates() === 0) await sleep(20);
          // The server may be down at this instant; an operator would press the button again.
          while (!stop() && !(await run.handle.cancel().then(() => true, () => false))) await sleep(500);
        },
        async checkOutcome() {
          const status = (await run.handle.describe()).status.name;
          if (status === 'CANCELLED') return [];
          const result = await finishedRun<RollbackDrillResult>(run.handle);
          const out: string[] = [];
          if (result.verdict !== 'PASS') out.push(`verdict ${result.verdict}: ${result.reasons.join('; ')}`);
          if (result.trafficRestored !== true) out.push('the result does not say traffic was restored');
          return out;
        },
        async checkAudit() {
          // A cancelled drill returns no result; its record is the history's cancel request.
          const status = (await run.handle.describe()).status.name;
          if (status === 'CANCELLED') return [];
          const result = await finishedRun<RollbackDrillResult>(run.handle);
          return exactlyOnce('service record', result.services.map((s) => s.service), services);
        },
      };
    },
  };
}

const release = releaseServiceGroup();
const stableTraffic = (service: string, role: string) => [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: release.stable[role], percent: 100, tag: '' }];

/**
 * examples/rollout.yaml cut to three steps of seconds: a health gate, an approval and a cohort hook on
 * every step (the first step's approval left out when `firstUnapproved`), a bake with analysis (tag
 * and service probes, the sandbox's metrics).
 */
function rolloutPlan(trial: string, firstUnapproved: boolean): string {
  const approval = '\n    approval: { approvers: [alice, bob], allowInitiator: false, timeout: 30m, onTimeout: abort }';
  // Approval is required unless a step says otherwise.
  const step = (name: string, percent: number, extra = '', approved = true) => `
  - name: ${name}
    percent: ${percent}${extra}
    gates: [health]${approved ? approval : '\n    approval: { required: false }'}
    bake: 2s
    hooks:
      - { name: cohort-flag, params: { cohort: ${trial}-${name} } }
    analysis:
      interval: 1s
      stopAfter: 3s
      probes:
        - { target: service, samples: 3, minSuccessRate: 0.99, maxP95LatencyMs: 1000 }
      metrics:
        - { name: projection-lag, url: "\${endpoints.metrics}/projection-lag-p95", field: value, max: 25 }
        - { name: write-failures, url: "\${endpoints.metrics}/write-failure-ratio", field: value, max: 0.01 }`;
  return `environment: ${SANDBOX_ROLLOUT_ENVIRONMENT}
serviceGroup: convex
candidates: { backend: latest, dashboard: latest }
finish: { traffic: pinned }
steps:${step('staff', 0, '\n    tag: staff', !firstUnapproved)}${step('limited', 25)}${step('full', 100)}
`;
}

/**
 * A staged rollout that every approver approves (`promoted`), or whose second step bob rejects
 * (`aborted`). With `firstUnapproved`, the first step shifts without an approval and the rollout
 * parks at the second's: a restart then replays a history whose first step needed no person.
 */
function stagedRollout(name: string, rejectAt?: string, firstUnapproved = false): ChaosWorkflow {
  const roles = Object.keys(RELEASE_SERVICES) as (keyof typeof RELEASE_SERVICES)[];
  return {
    name,
    closesAs: rejectAt ? ['FAILED'] : ['COMPLETED'],
    lanes: 2,
    environment: SANDBOX_ROLLOUT_ENVIRONMENT,
    group: 'convex',
    services: Object.values(RELEASE_SERVICES),
    async start(ctx, trial) {
      // Every trial starts from the stable revisions pinned at 100 %, as a release finds them.
      for (const role of roles) await setTraffic(ctx, RELEASE_SERVICES[role], stableTraffic(RELEASE_SERVICES[role], role));
      const original = await currentTraffic(ctx, this.services);
      const { plan } = loadRolloutPlan(rolloutPlan(trial, firstUnapproved), `chaos plan ${name}`, ctx.config);
      const steps = plan.steps.map((s) => s.name);
      const ran = rejectAt ? steps.slice(0, steps.indexOf(rejectAt)) : steps;
      const expected: Expectation = rejectAt
        ? { traffic: original, flags: Object.fromEntries(ran.map((s) => [`${trial}-${s}`, false])) }
        : {
            traffic: Object.fromEntries(roles.map((r) => [RELEASE_SERVICES[r], [{ type: 'REVISION', revision: release.candidate[r]!, percent: 100, tag: 'staff' }]])),
            flags: Object.fromEntries(ran.map((s) => [`${trial}-${s}`, true])),
          };
      const startedMs = Date.now();
      const run = await ctx.drill.startRollout({ environment: plan.environment, group: plan.serviceGroup, initiator: 'carol', plan });
      const handle = run.handle;
      return {
        handle,
        startedMs,
        expected,
        async drive(stop) {
          const decided = new Set<string>();
          while (!stop()) {
            // Calls fail while the server is down or no worker answers; a person would try again.
            const s = await handle.query(rolloutStatusQuery).catch(() => undefined);
            if (s?.phase === 'awaiting-approval' && s.currentStep && !decided.has(s.currentStep)) {
              const step = s.currentStep;
              const decision = step === rejectAt
                ? handle.executeUpdate(rejectUpdate, { args: [{ step, approver: 'bob', reason: 'chaos: reject' }] })
                : handle.executeUpdate(approveUpdate, { args: [{ step, approver: 'alice', reason: 'chaos: criteria met' }] });
              if (await decision.then(() => true, () => false)) decided.add(step);
            }
            await sleep(200);
          }
        },
        async checkOutcome() {
          const result: RolloutResult = await finishedRollout(handle);
          const out: string[] = [];
          const want = rejectAt ? 'aborted' : 'promoted';
          if (result.outcome !== want) out.push(`outcome ${result.outcome}, expected ${want}${result.abortReason ? ` (${result.abortReason})` : ''}`);
          if (rejectAt && !result.abortedBy?.startsWith('bob')) out.push(`aborted by ${result.abortedBy}, expected bob`);
          if (rejectAt ? result.compensation !== 'done' : ['running', 'stuck'].includes(result.compensation)) out.push(`compensation ${result.compensation}`);
          return out;
        },
        async checkAudit() {
          const result: RolloutResult = await finishedRollout(handle);
          const reached = rejectAt ? steps.slice(0, steps.indexOf(rejectAt) + 1) : steps;
          const out = exactlyOnce('step record', result.steps.map((s) => s.name), reached);
          out.push(...exactlyOnce('decision', result.approvals.map((a) => a.step), reached));
          const first = result.approvals.find((a) => a.step === steps[0]);
          if (firstUnapproved && first?.decision !== 'not-required') out.push(`step ${steps[0]} needs no approval, but its decision is ${first?.decision}`);
          out.push(...exactlyOnce('health gate record', result.gates.filter((g) => g.gate === 'health').map((g) => g.step), reached));
          out.push(...exactlyOnce('pre-flight health record', result.gates.filter((g) => g.gate === 'preflight-health').map(() => 'preflight'), ['preflight']));
          out.push(...exactlyOnce('applied hook', result.hooksApplied.map((h) => h.step), ran));
          out.push(...exactlyOnce('shift in the timeline', result.timeline.filter((t) => t.event === 'shifted').map((t) => t.step ?? '?'), ran));
          return out;
        },
      };
    },
  };
}

export const CHAOS_WORKFLOWS: ChaosWorkflow[] = [rollbackDrill('rollback-drill', false), rollbackDrill('rollback-cancel', true), stagedRollout('rollout'), stagedRollout('rollout-reject', 'limited'), stagedRollout('rollout-first-unapproved', undefined, true), readinessGate('readiness-gate')];
