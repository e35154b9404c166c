/**
 * The manifest format's version, apart from its schema (manifest.ts) so that reading a snapshot,
 * which only writes manifests, does not load the schema library (about 70 ms of a process's start).
 */
export const MANIFEST_VERSION = 1;
