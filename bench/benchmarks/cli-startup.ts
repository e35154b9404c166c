import { spawn } from 'node:child_process';
import path from 'node:path';
import { alternate, atMost, context, median, type Benchmark } from '../harness';

const bin = path.resolve(__dirname, '..', '..', 'bin', 'drillctl.js');

function timeCommand(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { stdio: 'ignore', env: { ...process.env, DRILLCTL_FROM_SOURCE: '' } });
    child.once('error', reject);
    child.once('exit', () => resolve(Number(process.hrtime.bigint() - t0) / 1e6));
  });
}

/** Cold start of `drillctl --help` (compiled lib/), next to a bare `node -e 0` measured alternately. */
export const cliStartup: Benchmark = {
  name: 'cli-startup',
  description: 'CLI responsiveness: cold start of `drillctl --help` vs bare node',
  async run(ctx) {
    const reps = ctx.quick ? 3 : 15;
    const { a: help, b: bare } = await alternate(reps, () => timeCommand([bin, '--help']), () => timeCommand(['-e', '0']));
    return {
      benchmark: this.name,
      description: this.description,
      figures: [atMost('drillctl --help, median', median(help), 'ms', 400), context('node -e 0, median', median(bare), 'ms'), context('help / bare node', median(help) / median(bare), 'x')],
    };
  },
};
