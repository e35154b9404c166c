import fs from 'node:fs';
import path from 'node:path';
import type { DrillClient, RolloutControls } from '../../client';
import type * as PlanTimeline from '../../domain/rollout/plan-timeline';
import { DEMO_SIGNER } from '../../sandbox/demo-signer';
import type { RolloutResult } from '../../contracts/rollout';
import { proveDecision } from '../../signing/sign-decision';
import { withDrillClient, type GlobalOptions } from '../context';
import { followRun } from '../progress/follow-run';
import { progressView, type ProgressView } from '../progress/live-view';
import type * as DemoRelease from './demo-release';
import type * as RolloutInput from './rollout-input';

/** The runbook's plan, as the README shows it (three levels above src/cli/commands and lib/cli/commands alike). */
export const EXAMPLE_PLAN = path.join(__dirname, '..', '..', '..', 'examples', 'rollout.yaml');

const DEMO_BAKE = '5s';

/**
 * The example plan as the demo runs it: every step, gate and analysis check kept, bakes of a few
 * seconds (the stop rule scaled with them), and the demo's signer among the approvers, since it
 * approves each step itself.
 */
export function demoPlanText(example: string): string {
  return example
    .replace(/\bbake: \d+[smhd]\b/g, `bake: ${DEMO_BAKE}`)
    .replace(/\binterval: \d+s\b/, 'interval: 2s')
    .replace(/\bstopAfter: \d+s\b/, 'stopAfter: 6s')
    .replace(/approvers: \[([^\]]*)\]/g, (_m, names: string) => `approvers: [${names}, ${DEMO_SIGNER}]`);
}

export interface DemoRollout {
  workflowId: string;
  webUiUrl: string;
  planFile: string;
  result: RolloutResult;
}

/** Approves each step once it waits, signed with the demo key, as a person runs `rollout approve --key`; stops when `done` says so. */
async function approveEachStep(controls: RolloutControls, keyFile: string, view: ProgressView, done: () => boolean): Promise<void> {
  const approved = new Set<string>();
  while (!done()) {
    const s = await controls.status().catch(() => undefined);
    const step = s?.currentStep;
    if (s?.phase === 'awaiting-approval' && step && !approved.has(step)) {
      const reason = `${step}: gates passed, analysis healthy (automatic approval, sandbox demo only)`;
      try {
        const proof = await proveDecision(keyFile, async () => (await controls.status()).decision, 'approve', { reason });
        const record = await controls.approve({ step, approver: DEMO_SIGNER, reason, ...proof });
        approved.add(step);
        view.note(`approved step ${step} as ${record.by}${proof.signature ? ', signed with the demo key' : ''}`);
      } catch (err) {
        // Refused (the rollout moved on, or is stopping): the rollout's own result says what happened.
        view.note(`approval of step ${step} refused: ${(err as Error).message}`);
        if (done()) return;
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Runs the demo variant of the example plan on the sandbox, approving each step, with the live view; gives its result. */
export async function runDemoRollout(g: GlobalOptions, sandboxDir: string, keyFile: string, initiator: string): Promise<DemoRollout> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { rolloutRequest } = require('./rollout-input') as typeof RolloutInput;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { planTimeline, renderPlanTimeline } = require('../../domain/rollout/plan-timeline') as typeof PlanTimeline;
  const planFile = path.join(sandboxDir, 'demo-rollout.yaml');
  fs.writeFileSync(planFile, demoPlanText(fs.readFileSync(EXAMPLE_PLAN, 'utf8')));
  const request = rolloutRequest({ ...g, env: undefined }, { file: planFile, as: initiator });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const moved = await (require('./demo-release') as typeof DemoRelease).restoreDemoRelease(g, request.group);
  if (moved.length && !g.json) process.stderr.write(`An earlier demo left ${request.group} on its candidate; back on the stable revisions first: ${moved.join(', ')}\n`);
  return withDrillClient({ ...g, env: request.environment }, async (client: DrillClient) => {
    const run = await client.startRollout(request, renderPlanTimeline(planTimeline(request.plan)));
    const webUiUrl = client.webUiUrl(run.workflowId, run.runId);
    if (!g.json) process.stderr.write(`started ${run.workflowId}: ${request.plan.steps.map((s) => `${s.name} ${s.percent}%`).join(' -> ')}\n  ${webUiUrl}\n`);
    const view = progressView(process.stderr, !!g.json);
    const { controls } = await client.rollout(run.workflowId);
    let ended = false;
    const result = run.result().finally(() => {
      ended = true;
    });
    const approving = approveEachStep(controls, keyFile, view, () => ended);
    const finished = await followRun(client, run.workflowId, run.runId, view, Promise.all([result, approving]).then(([r]) => r));
    return { workflowId: run.workflowId, webUiUrl, planFile, result: finished };
  });
}
