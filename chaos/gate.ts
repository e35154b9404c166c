import { SANDBOX_ENVIRONMENT } from '../src/sandbox/sandbox';
import { attestDocsUpdate, GATE_DRILLS, gateStatusQuery, type ReadinessGateResult } from '../src/contracts/readiness-gate';
import { currentTraffic, exactlyOnce, sleep, type ChaosWorkflow } from './chaos-workflow';
import { finishedRun } from '../src/contracts/run-conclusion';

/**
 * `drillctl gate run` on the sandbox: baseline health, backup/restore (the real convex CLI), replay
 * and an applied rollback drill as child workflows, then dave attests the docs. Traffic changes only
 * in the rollback child, which is the group's traffic lock; the gate must pass with it back exactly.
 */
export function readinessGate(name: string): ChaosWorkflow {
  return {
    name,
    closesAs: ['COMPLETED'],
    // About a minute undisturbed (four child drills, the convex CLI twice), minutes when a kill lands.
    lanes: 4,
    environment: SANDBOX_ENVIRONMENT,
    group: 'convex',
    services: ['oa-convex-backend-sandbox', 'oa-convex-dashboard-sandbox'],
    async start(ctx) {
      const expected = { traffic: await currentTraffic(ctx, this.services), flags: {} };
      const startedMs = Date.now();
      const run = await ctx.drill.startGate({ environment: this.environment, group: this.group, initiator: 'carol' });
      const handle = run.handle;
      const result = () => finishedRun<ReadinessGateResult>(handle);
      return {
        handle,
        startedMs,
        expected,
        async drive(stop) {
          while (!stop()) {
            // Calls fail while the server is down or no worker answers; the attester tries again.
            const s = await handle.query(gateStatusQuery).catch(() => undefined);
            if (s?.attestation.state === 'attested') return;
            if (s?.attestation.state === 'waiting') await handle.executeUpdate(attestDocsUpdate, { args: [{ attester: 'dave', reason: 'chaos: runbook reviewed' }] }).catch(() => undefined);
            await sleep(200);
          }
        },
        async checkOutcome() {
          const r = await result();
          const out: string[] = [];
          if (r.verdict !== 'PASS') out.push(`verdict ${r.verdict}: ${r.criteria.filter((c) => c.status !== 'PASS').map((c) => `${c.id}: ${c.detail}`).join('; ')}`);
          for (const s of r.steps.filter((x) => x.status !== 'passed')) out.push(`${s.drill} ${s.status}${s.error ? `: ${s.error}` : ''}`);
          if (r.attestation.attester !== 'dave') out.push(`attested by ${r.attestation.attester ?? 'nobody'}, expected dave`);
          return out;
        },
        async checkAudit() {
          const r = await result();
          return exactlyOnce('drill step', r.steps.map((s) => s.drill), [...GATE_DRILLS]);
        },
      };
    },
  };
}
