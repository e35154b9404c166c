import path from 'node:path';
import type { Config } from '../../domain/config/schema';

/** What the worker knows that decides where snapshots live: its data folder and its own config. */
export interface SnapshotHome {
  dataDir: string;
  config?: Config;
}

/**
 * The folder that holds an environment's snapshots, on the worker that writes them: the
 * environment's `backup.snapshotDir` in the worker's config, relative to the worker's data dir
 * (default `<data dir>/snapshots`). Nothing a caller sends decides it.
 */
export function snapshotFolder(home: SnapshotHome, environment: string): string {
  return path.resolve(home.dataDir, home.config?.environments[environment]?.backup?.snapshotDir ?? 'snapshots');
}

/** How many snapshots of the environment the worker keeps: its config, else what the request says. */
export function snapshotRetention(home: SnapshotHome, environment: string, requested: number | undefined): number {
  return home.config?.environments[environment]?.backup?.keepSnapshots ?? requested ?? 5;
}

/**
 * A snapshot file named by a request. With `environment` (drills since worker-owned snapshots)
 * the name is a file inside that environment's snapshot folder and may not leave it; without,
 * it is the absolute path an older drill computed.
 */
export function snapshotPath(home: SnapshotHome, req: { environment?: string }, name: string): string {
  if (req.environment === undefined) return name;
  if (name !== path.basename(name) || name.startsWith('.')) throw new Error(`snapshot name ${JSON.stringify(name)} must be a plain file name`);
  return path.join(snapshotFolder(home, req.environment), name);
}
