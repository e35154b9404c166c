import type { Command } from 'commander';
import type { GlobalOptions } from '../context';
import { bringUp, renderUp } from './up-down';
import { runHealthDrill } from './drill-health';

export function registerDemo(program: Command, global: () => GlobalOptions): void {
  program
    .command('demo')
    .description('the main job on the embedded default: bring everything up and run the drills against the sandbox')
    .action(async () => {
      const g = global();
      const up = await bringUp(g);
      if (!g.json) process.stderr.write(renderUp(up) + '\n\n');
      process.exitCode = await runHealthDrill({ ...g, address: up.address, config: up.configPath });
      if (!g.json) process.stderr.write('\nEverything is still running: browse the Web UI above, or stop it with `npx drillctl down`.\n');
    });
}
