import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { FAULTS_FILE } from './settings';

export const RUNTIME_COMMANDS = ['seed', 'reproject', 'cleanup', 'history'] as const;
export type RuntimeCommand = (typeof RUNTIME_COMMANDS)[number];

/**
 * What the projection sink does instead of writing:
 * - fail: every call fails like an unreachable Convex (`sink_write_failed`);
 * - noop: every call "succeeds" without reaching Convex (the runtime's NoopSink, which the G7 replay ran on: docs/origins.md);
 * - drift: upserts reach Convex with `status` replaced by "drifted" (a projector bug: the
 *   projection no longer says what history says; only a parity check against history sees it);
 * - hang: a call never returns, past every timeout of its own (a wedged runtime: the command hangs);
 * - delayMs: each call waits first (a slow sink; past the sink timeout it fails).
 * `commands` limits the fault to some runtime commands (e.g. only `reproject`).
 */
export const SinkFaultSchema = z.object({
  mode: z.enum(['fail', 'noop', 'drift', 'hang']).optional(),
  delayMs: z.number().int().min(0).optional(),
  commands: z.array(z.enum(RUNTIME_COMMANDS)).optional(),
});
export type SinkFault = z.infer<typeof SinkFaultSchema>;

export const RuntimeFaultsSchema = z.object({ sink: SinkFaultSchema.optional() });
export type RuntimeFaults = z.infer<typeof RuntimeFaultsSchema>;

export function faultsPath(home: string): string {
  return path.join(home, FAULTS_FILE);
}

/** Written by the sandbox (control file); read by every command when it starts. */
export function writeRuntimeFaults(home: string, faults: RuntimeFaults): void {
  const file = faultsPath(home);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(RuntimeFaultsSchema.parse(faults), null, 2) + '\n');
  fs.renameSync(tmp, file);
}

/** The sink fault in force for a command: the control file, overridden by SANDBOX_RUNTIME_SINK_FAULT / _DELAY_MS. */
export function sinkFaultFor(home: string, command: RuntimeCommand, env: NodeJS.ProcessEnv = process.env): SinkFault | undefined {
  let fault: SinkFault | undefined;
  try {
    fault = RuntimeFaultsSchema.parse(JSON.parse(fs.readFileSync(faultsPath(home), 'utf8'))).sink;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`unreadable fault file ${faultsPath(home)}: ${(err as Error).message}`, { cause: err });
  }
  const envMode = env.SANDBOX_RUNTIME_SINK_FAULT;
  const envDelay = env.SANDBOX_RUNTIME_SINK_DELAY_MS;
  if (envMode || envDelay) {
    fault = SinkFaultSchema.parse({ ...fault, ...(envMode ? { mode: envMode } : {}), ...(envDelay ? { delayMs: Number(envDelay) } : {}) });
  }
  if (!fault || (fault.commands && !fault.commands.includes(command))) return undefined;
  return fault;
}
