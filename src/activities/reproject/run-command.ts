import { childEnvironment, runChildProcess } from '../child-process';

export interface CommandRequest {
  argv: string[];
  cwd?: string;
  /** What the config states for the runtime's commands (replay.env), on top of the allow-listed basics. */
  env?: Record<string, string>;
  timeoutMs: number;
  /** Aborts the command (activity cancellation); the process group is killed. */
  signal?: AbortSignal;
  /** Called every few seconds while the command runs (activity heartbeats). */
  onProgress?: () => void;
}

export interface CommandResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Redacted of every secret the worker knows. */
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
  /** Set when the command could not be started at all (ENOENT, EACCES, a missing cwd). */
  spawnError?: string;
}

/** The port the reproject activities run commands through; the real one spawns a process. */
export type CommandRunner = (req: CommandRequest) => Promise<CommandResult>;

/**
 * Runs a runtime command (reproject, seed, cleanup, history) with the environment the config
 * states and nothing of the worker's credentials; see runChildProcess for the rest.
 */
export const spawnCommand: CommandRunner = async (req) => {
  const run = await runChildProcess({ argv: req.argv, cwd: req.cwd, env: childEnvironment({ set: req.env }), timeoutMs: req.timeoutMs, signal: req.signal, onProgress: req.onProgress });
  return {
    exitCode: run.exitCode,
    signal: run.signal,
    stdout: run.stdout,
    stderr: run.stderr,
    durationMs: run.durationMs,
    timedOut: run.timedOut,
    ...(run.spawnError ? { spawnError: `${run.spawnError.code}: ${run.spawnError.message}` } : {}),
  };
};
