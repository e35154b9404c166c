/**
 * Names of the files a drill leaves in the snapshot folder, and which of them retention removes.
 * Names carry a UTC timestamp (the operators' script used local time) so they sort by age.
 */
const STAMP = /^convex-(.+)-export-(\d{8}T\d{6}(?:\d{3})?Z)(\.restored)?\.(zip|manifest\.json)$/;

export function utcStamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace(/\.(\d{3})Z$/, '$1Z');
}

/** `convex-<environment>-export-<UTC stamp>`: the base of the snapshot, its manifest and the restore check's manifest. */
export function snapshotBaseName(environment: string, at: Date): string {
  const env = environment.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  return `convex-${env}-export-${utcStamp(at)}`;
}

export const snapshotZipName = (base: string): string => `${base}.zip`;
export const manifestName = (base: string): string => `${base}.manifest.json`;
export const restoredZipName = (base: string): string => `${base}.restored.zip`;
export const restoredManifestName = (base: string): string => `${base}.restored.manifest.json`;

/** The manifest that belongs to a snapshot ZIP file name. */
export function manifestNameFor(zipFileName: string): string {
  return zipFileName.replace(/\.zip$/, '') + '.manifest.json';
}

/**
 * Files to delete so only the `keep` newest snapshots of this environment remain; a snapshot's
 * manifest and restore-check files go with it. Files that are not drill snapshots are never touched.
 */
export function snapshotFilesToPrune(fileNames: string[], environment: string, keep: number): string[] {
  const env = environment.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  const byStamp = new Map<string, string[]>();
  for (const f of fileNames) {
    const m = STAMP.exec(f);
    if (!m || m[1] !== env) continue;
    const files = byStamp.get(m[2]!) ?? [];
    files.push(f);
    byStamp.set(m[2]!, files);
  }
  const stamps = [...byStamp.keys()].sort().reverse();
  return stamps.slice(Math.max(keep, 0)).flatMap((s) => byStamp.get(s)!.sort());
}
