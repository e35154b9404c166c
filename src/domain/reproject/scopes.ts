/**
 * The runtime's projection scopes as its reproject task names them:
 * `run` projects `run_summary`, `codex_worker` projects `codex_worker_summary`.
 */
export const REPROJECT_SCOPES = ['run', 'codex_worker'] as const;
export type ReprojectScope = (typeof REPROJECT_SCOPES)[number];

export const PROJECTION_NAMES = { run: 'run_summary', codex_worker: 'codex_worker_summary' } as const satisfies Record<ReprojectScope, string>;
export type ProjectionName = (typeof PROJECTION_NAMES)[ReprojectScope];

/** Version the runtime stamps on every summary it projects. */
export const DEFAULT_PROJECTION_VERSION = 'convex_summary_v1';

export function isReprojectScope(value: string): value is ReprojectScope {
  return (REPROJECT_SCOPES as readonly string[]).includes(value);
}

/** The Convex document id the runtime gives a summary, e.g. `runtime/run_summary:<run_id>`. */
export function projectionDocumentId(scope: ReprojectScope, entityId: string): string {
  return `runtime/${PROJECTION_NAMES[scope]}:${entityId}`;
}
