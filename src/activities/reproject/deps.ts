import type { SecretRef } from '../../domain/secret-ref';
import type { CommandRunner } from './run-command';

/** What the replay drill's activities need from the outside world. */
export interface ReprojectDeps {
  runCommand: CommandRunner;
  /** Resolves the Convex admin-key reference; the value stays inside the activity. */
  resolveSecret: (ref: SecretRef) => Promise<string>;
  fetch: typeof fetch;
  /** The pinned `convex` CLI entry, for reading projections back with `convex data`. */
  convexCliPath: string;
}
