import type { Command } from 'commander';
import path from 'node:path';
import type * as Report from '../../domain/rollout/report';
import { renderReadinessMarkdown } from '../../domain/report/readiness';
import { DEMO_SIGNER, DEMO_SIGNING_KEY_FILE } from '../../sandbox/demo-signer';
import type { GlobalOptions } from '../context';
import { ExitCode } from '../errors';
import { emit } from '../output';
import type { DemoRollout } from './demo-rollout';
import type * as DemoRolloutModule from './demo-rollout';
import { attest, runGate, type GateRun } from './gate';
import { bringUp, renderUp } from './up-down';

const DEMO_INITIATOR = 'drillctl-demo';

function renderDemo(gate: GateRun, rollout: DemoRollout | undefined): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { renderRolloutMarkdown } = require('../../domain/rollout/report') as typeof Report;
  return [
    renderReadinessMarkdown(gate.result),
    `History: ${gate.webUiUrl}`,
    '',
    rollout ? renderRolloutMarkdown(rollout.result) : 'The staged rollout did not start: the readiness gate failed.',
    ...(rollout ? [`Rollout in the Web UI: ${rollout.webUiUrl}`] : []),
  ].join('\n');
}

export function registerDemo(program: Command, global: () => GlobalOptions): void {
  program
    .command('demo')
    .description('the main job on the embedded default: bring everything up, run the readiness gate, then a staged rollout of examples/rollout.yaml (bakes of seconds) against the sandbox')
    .action(async () => {
      const g = global();
      const up = await bringUp(g);
      if (!g.json) process.stderr.write(renderUp(up) + '\n\n');
      const on = { ...g, address: up.address, config: up.configPath };
      // Signed with the key the sandbox generated in its folder (listed in its allowed signers), as a person signs with --key.
      const key = path.join(path.dirname(up.configPath), DEMO_SIGNING_KEY_FILE);
      const gate = await runGate(on, DEMO_INITIATOR, async (client, workflowId, view) => {
        // The demo attests for a person once the gate asks, through the same Update the CLI sends.
        const running = await client.runningGate(workflowId);
        for (;;) {
          const status = await running.status();
          if (status.attestation.state === 'waiting' || status.phase === 'done') break;
          await new Promise((r) => setTimeout(r, 250));
        }
        view.note(`attesting the on-call docs as ${DEMO_SIGNER}, signed with ${key} (automatic, sandbox demo only)`);
        await attest(client, workflowId, DEMO_SIGNER, 'automatic attestation for the sandbox demo: no real on-call docs exist here', ['README.md'], key);
      });
      const gatePassed = gate.result.verdict === 'PASS';
      if (!g.json) process.stderr.write(`\nReadiness gate: ${gate.result.verdict}. ${gatePassed ? 'Now the staged rollout of examples/rollout.yaml, bakes cut to seconds, each step approved by the demo (signed).' : 'No rollout on a failed gate.'}\n`);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runDemoRollout } = require('./demo-rollout') as typeof DemoRolloutModule;
      const rollout = gatePassed ? await runDemoRollout(on, path.dirname(up.configPath), key, DEMO_INITIATOR) : undefined;
      emit({ gate, rollout }, { json: !!g.json }, () => renderDemo(gate, rollout));
      process.exitCode = gatePassed && rollout?.result.outcome === 'promoted' ? ExitCode.ok : ExitCode.failed;
      if (!g.json) {
        process.stderr.write(
          `\nReproduce these reports later with \`npx drillctl report ${gate.workflowId}\`${rollout ? ` and \`npx drillctl report ${rollout.workflowId}\`` : ''}.\nEverything is still running: browse the Web UI, or stop it with \`npx drillctl down\`.\n`,
        );
      }
    });
}
