import { spawn } from 'node:child_process';
import path from 'node:path';
import { abortUpdate, rolloutStatusQuery } from '../../src/contracts/rollout';
import { atMost, context, median, type Benchmark } from '../harness';
import { startRolloutSandbox } from '../support/rollout-sandbox';
import { benchWorker } from '../support/worker';

const bin = path.resolve(__dirname, '..', '..', 'bin', 'drillctl.js');

function timeCommand(args: string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DRILLCTL_FROM_SOURCE: '', ...env } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code === 0) resolve(ms);
      else reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

const PLAN = `environment: sandbox-rollout
serviceGroup: convex
steps:
  - name: full
    percent: 100
    approval: { approvers: [alice] }
`;

/**
 * Cold start of `drillctl --help` and of `drillctl rollout status <id>` (compiled lib/, against a
 * rollout waiting for approval on the bench's dev server), next to a bare `node -e 0`, in rotation.
 */
export const cliStartup: Benchmark = {
  name: 'cli-startup',
  description: 'CLI responsiveness: cold start of `drillctl --help` and `drillctl rollout status` vs bare node',
  async run(ctx) {
    const reps = ctx.quick ? 3 : 15;
    const { client } = await benchWorker(ctx);
    const rs = await startRolloutSandbox(ctx, 'cli-startup');
    try {
      const handle = await rs.start(client, PLAN);
      for (let i = 0; (await handle.query(rolloutStatusQuery)).phase !== 'awaiting-approval'; i++) {
        if (i > 300) throw new Error('the rollout never reached its approval');
        await new Promise((r) => setTimeout(r, 100));
      }
      const env = { TEMPORAL_ADDRESS: ctx.temporalAddress, DRILLCTL_HOME: ctx.tmpDir };
      const sides = [() => timeCommand([bin, '--help']), () => timeCommand([bin, 'rollout', 'status', handle.workflowId], env), () => timeCommand(['-e', '0'])];
      const times: number[][] = sides.map(() => []);
      for (let i = 0; i < reps; i++) {
        for (let j = 0; j < sides.length; j++) {
          const k = (i + j) % sides.length;
          times[k]!.push(await sides[k]!());
        }
      }
      await handle.executeUpdate(abortUpdate, { args: [{ by: 'bench', reason: 'cli-startup done' }] });
      await handle.result().catch(() => undefined);
      const [help, status, bare] = times.map(median) as [number, number, number];
      return {
        benchmark: this.name,
        description: this.description,
        figures: [
          atMost('drillctl --help, median', help, 'ms', 400),
          context('drillctl rollout status <id>, median', status, 'ms'),
          context('node -e 0, median', bare, 'ms'),
          context('help / bare node', help / bare, 'x'),
          context('rollout status / bare node', status / bare, 'x'),
          context('rollout status - help (client library, connect, describe, query)', status - help, 'ms'),
        ],
        notes: [
          `${reps} cold starts of each, in rotation; \`rollout status\` queries a one-step rollout waiting for approval. Beyond what --help loads, it loads @temporalio/client (its protobuf descriptors are most of that), connects, describes and queries; it no longer loads the config schema and YAML parser (zod, yaml), which neither --help nor a status by workflow id needs.`,
        ],
      };
    } finally {
      await rs.stop();
    }
  },
};
