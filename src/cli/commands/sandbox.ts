import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { dataDir } from '../data-dir';
import { CliError } from '../errors';
import { emit } from '../output';
import type { GlobalOptions } from '../context';
import type * as SandboxModule from '../../sandbox/sandbox';

export const sandboxDir = (): string => path.join(dataDir(), 'sandbox');
const stateFile = (): string => path.join(sandboxDir(), 'state.json');

export interface SandboxState {
  pid: number;
  configPath: string;
  controlUrl: string;
  endpoints: Record<string, string>;
}

export function readSandboxState(): SandboxState | undefined {
  try {
    return JSON.parse(fs.readFileSync(stateFile(), 'utf8')) as SandboxState;
  } catch {
    return undefined;
  }
}

export function registerSandbox(program: Command, global: () => GlobalOptions): void {
  const sandbox = program.command('sandbox').description('the local stand-in for production (Cloud Run, Convex, runtime)');
  sandbox
    .command('up')
    .description('start the sandbox in the foreground; prints its endpoints and the config that points drillctl at it')
    .option('--identity-sidecar [header]', 'revisions name themselves in a response header, as an app or sidecar echoing K_REVISION would (Cloud Run itself does not); the config then uses identity { header }')
    .option('--runtime-history', "give the runtime stand-in a history command (the real runtime has none), so the replay drill runs at level 3")
    .action(async (opts: { identitySidecar?: string | boolean; runtimeHistory?: boolean }) => {
      // require, not import(): from a never-built checkout tsx hooks require only (bin/drillctl.js).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { startSandbox } = require('../../sandbox/sandbox') as typeof SandboxModule;
      const identityHeader = opts.identitySidecar === true ? 'x-serving-revision' : opts.identitySidecar || undefined;
      const sb = await startSandbox({ dataDir: sandboxDir(), ...(identityHeader ? { identityHeader } : {}), runtimeHistory: !!opts.runtimeHistory });
      const state: SandboxState = { pid: process.pid, configPath: sb.configPath, controlUrl: sb.controlUrl, endpoints: sb.endpoints };
      fs.writeFileSync(stateFile(), JSON.stringify(state, null, 2) + '\n');
      emit(state, { json: !!global().json }, (s) =>
        [`Sandbox running (pid ${s.pid}).`, ...Object.entries(s.endpoints).map(([k, v]) => `  ${k.padEnd(12)} ${v}`), `Config: ${s.configPath}`, 'Stop with Ctrl-C or `drillctl down`.'].join('\n'),
      );
      const stop = (): void => {
        void sb.stop().then(() => {
          fs.rmSync(stateFile(), { force: true });
          process.exit(0);
        });
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await new Promise(() => undefined);
    });
  sandbox
    .command('fault')
    .description('inject or clear a fault in the running sandbox (list them with `sandbox fault --list`)')
    .argument('[name]', 'fault name, e.g. backend')
    .argument('[params]', 'JSON parameters, e.g. \'{"status":503}\'')
    .option('--clear', 'clear the fault (or all faults without a name)')
    .option('--list', 'list the faults the sandbox offers')
    .action(async (name: string | undefined, params: string | undefined, o: { clear?: boolean; list?: boolean }) => {
      const state = readSandboxState();
      if (!state) throw new CliError('no sandbox is running', 2, 'start one with `drillctl up` or `drillctl sandbox up`');
      const url = `${state.controlUrl}/faults${name ? `/${encodeURIComponent(name)}` : ''}`;
      if (!o.list && !o.clear && !name) throw new CliError('name a fault, or pass --list or --clear', 2);
      const res = await fetch(url, { method: o.list ? 'GET' : o.clear ? 'DELETE' : 'POST', body: o.list || o.clear ? undefined : (params ?? '{}') });
      const body = (await res.json()) as unknown;
      if (!res.ok) throw new CliError(`sandbox refused: ${(body as { error?: string }).error ?? res.status}`, 2);
      emit(body, { json: !!global().json }, (b) => JSON.stringify(b, null, 2));
    });
}
