import type { Command } from 'commander';
import { gateStatusQuery } from '../../shared/readiness-gate';
import path from 'node:path';
import { DEMO_SIGNER, DEMO_SIGNING_KEY_FILE } from '../../sandbox/demo-signer';
import type { GlobalOptions } from '../context';
import { attest, printGate, runGate } from './gate';
import { bringUp, renderUp } from './up-down';

const DEMO_INITIATOR = 'drillctl-demo';

export function registerDemo(program: Command, global: () => GlobalOptions): void {
  program
    .command('demo')
    .description('the main job on the embedded default: bring everything up and run the readiness gate against the sandbox')
    .action(async () => {
      const g = global();
      const up = await bringUp(g);
      if (!g.json) process.stderr.write(renderUp(up) + '\n\n');
      const run = await runGate({ ...g, address: up.address, config: up.configPath }, DEMO_INITIATOR, async (client, workflowId) => {
        // The demo attests for a person once the gate asks, through the same Update the CLI sends.
        const handle = client.workflow.getHandle(workflowId);
        for (;;) {
          const status = await handle.query(gateStatusQuery);
          if (status.attestation.state === 'waiting' || status.phase === 'done') break;
          await new Promise((r) => setTimeout(r, 250));
        }
        // Signed with the key the sandbox generated in its folder (listed in its allowed signers), as a person signs with --key.
        const key = path.join(path.dirname(up.configPath), DEMO_SIGNING_KEY_FILE);
        if (!g.json) process.stderr.write(`attesting the on-call docs as ${DEMO_SIGNER}, signed with ${key} (automatic, sandbox demo only)\n`);
        await attest(client, workflowId, DEMO_SIGNER, 'automatic attestation for the sandbox demo: no real on-call docs exist here', ['README.md'], key);
      });
      process.exitCode = printGate(run, !!g.json);
      if (!g.json) process.stderr.write(`\nReproduce this report later with \`npx drillctl report ${run.workflowId}\`.\nEverything is still running: browse the Web UI, or stop it with \`npx drillctl down\`.\n`);
    });
}
