import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * The runtime stand-in keeps everything in one folder, its "home": like the real task, which runs
 * in the runtime's app folder, its commands find their settings in the working directory
 * (or SANDBOX_RUNTIME_HOME).
 */
export const SETTINGS_FILE = 'runtime.json';
export const FAULTS_FILE = 'faults.json';

export const RuntimeSettingsSchema = z.object({
  databaseFile: z.string().min(1).default('runtime.sqlite'),
  convex: z.object({
    url: z.url(),
    /** The runtime's own copy of the admin key (first line of the file); never on a command line. */
    adminKeyFile: z.string().min(1),
  }),
  tables: z.object({ run: z.string().min(1), codex_worker: z.string().min(1) }).default({ run: 'run_summaries', codex_worker: 'codex_worker_summaries' }),
  /** The runtime's HttpSink timeout. */
  sinkTimeoutMs: z.number().int().positive().default(2500),
  projectionVersion: z.string().min(1).default('convex_summary_v1'),
  /**
   * The `history` command, which the real runtime does not have: off by default, so the sandbox
   * offers only the real runtime's commands; on, it is the history source for replay level 3.
   */
  historySource: z.boolean().default(false),
});
export type RuntimeSettings = z.infer<typeof RuntimeSettingsSchema>;

export function runtimeHome(): string {
  return path.resolve(process.env.SANDBOX_RUNTIME_HOME ?? process.cwd());
}

export function loadRuntimeSettings(home: string): RuntimeSettings {
  const file = path.join(home, SETTINGS_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the runtime settings ${file}: ${(err as Error).message}`, { cause: err });
  }
  return RuntimeSettingsSchema.parse(raw);
}

export function databasePath(home: string, settings: RuntimeSettings): string {
  return path.resolve(home, settings.databaseFile);
}

export function readAdminKey(home: string, settings: RuntimeSettings): string {
  const first = fs.readFileSync(path.resolve(home, settings.convex.adminKeyFile), 'utf8').split(/\r?\n/)[0]?.trim();
  if (!first) throw new Error(`the admin key file ${settings.convex.adminKeyFile} is empty`);
  return first;
}
