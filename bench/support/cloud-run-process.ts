import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { SandboxGroup, SwitchRecord } from '../../src/sandbox/cloud-run';

/** A Cloud Run sandbox (emulator, routers, revisions) running in a child process. */
export interface SandboxProcess {
  project: string;
  region: string;
  grpcAddress: string;
  groups: SandboxGroup[];
  group(name: string): SandboxGroup;
  /** The instants the service's router really switched, as the sandbox recorded them. */
  switches(service: string): Promise<SwitchRecord[]>;
  /** CPU time the sandbox process has used so far, in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

type Ready = Pick<SandboxProcess, 'project' | 'region' | 'grpcAddress' | 'groups'>;

/** Starts a sandbox with `groups` seed groups (convex, convex-1, ...) at the default propagation delay. */
export async function startSandboxProcess(groups: number): Promise<SandboxProcess> {
  const child: ChildProcess = fork(path.join(__dirname, 'cloud-run-child.ts'), [String(groups)], { execArgv: ['--require', 'tsx/cjs'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, (r: SwitchRecord[]) => void>();
  let next = 0;
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the sandbox process exited with ${code} before it was ready`)));
    child.on('message', (m: { ready?: Ready; id?: number; records?: SwitchRecord[] }) => {
      if (m.ready) resolve(m.ready);
      else if (m.id !== undefined) pending.get(m.id)?.(m.records ?? []);
    });
  });
  return {
    ...ready,
    group(name) {
      const g = ready.groups.find((x) => x.name === name);
      if (!g) throw new Error(`the sandbox has no service group ${name}`);
      return g;
    },
    switches(service) {
      const id = next++;
      return new Promise((resolve) => {
        pending.set(id, (r) => {
          pending.delete(id);
          resolve(r);
        });
        child.send({ id, switches: service });
      });
    },
    cpuMs: () => procCpuMs(child.pid!),
    async stop() {
      const gone = new Promise((r) => child.once('exit', r));
      child.disconnect();
      await gone;
    },
  };
}

/** User plus system CPU of a process, from /proc (Linux), in ms. */
export function procCpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * (1000 / 100);
}
