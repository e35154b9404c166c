import { changeWindowVerdict, compileChangeWindows, type ChangeWindowVerdict, type CompiledChangeWindows } from '../domain/change-window';
import type { Config } from '../domain/config/schema';
import { environmentOf } from './environment';

/** What a rollout asks before it starts a traffic change. */
export interface ChangeWindowRequest {
  environment: string;
  /** The instant to judge: the workflow's own time (a time-skipping test's, or a replayed run's, is not the worker's clock). */
  atMs: number;
}

/** The environment's change windows and freezes, ready to evaluate; undefined when it declares none. */
export function changeWindowsOf(config: Config, environment: string): CompiledChangeWindows | undefined {
  const declared = environmentOf(config, environment).env.changeWindows;
  return declared ? compileChangeWindows(declared) : undefined;
}

/**
 * Whether a traffic change may start now, from the worker's config as it is now: a freeze added
 * while a rollout waits for approval holds its next shift.
 */
export function changeWindowSettings(config: Config, request: ChangeWindowRequest): ChangeWindowVerdict {
  const windows = changeWindowsOf(config, request.environment);
  if (!windows) return { open: true, detail: 'no change windows or freezes declared' };
  return changeWindowVerdict(windows, request.atMs);
}
