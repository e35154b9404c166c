import fs from 'node:fs';
import path from 'node:path';
import { snapshotFilesToPrune } from '../../domain/snapshot/snapshot-files';
import type { PruneSnapshotsRequest, PruneSnapshotsResult } from './types';

/** Retention: keeps the newest `keep` snapshots of the environment (with their manifests), deletes older ones. */
export async function pruneSnapshots(req: PruneSnapshotsRequest & { dir: string; keep?: number }): Promise<PruneSnapshotsResult> {
  let names: string[];
  try {
    names = fs.readdirSync(req.dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { removed: [] };
    throw err;
  }
  const removed = snapshotFilesToPrune(names, req.environment, req.keep ?? 5);
  for (const name of removed) fs.rmSync(path.join(req.dir, name), { force: true });
  return { removed };
}
