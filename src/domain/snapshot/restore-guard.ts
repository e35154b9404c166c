export type RestoreMode = 'append' | 'scratch' | 'replace' | 'replace-all';

/** The `convex import` mode each restore mode runs (scratch replaces all of the scratch deployment). */
export type CliImportMode = 'append' | 'replace' | 'replaceAll';

export function cliImportMode(mode: RestoreMode): CliImportMode {
  return mode === 'append' ? 'append' : mode === 'replace' ? 'replace' : 'replaceAll';
}

/** Modes that delete documents of the source deployment. */
export function isDestructive(mode: RestoreMode): boolean {
  return mode === 'replace' || mode === 'replace-all';
}

/** Modes that write into the source deployment (the live one). */
export function writesToSource(mode: RestoreMode): boolean {
  return mode !== 'scratch';
}

/** What the operator stated for a restore; all of it lands in history (none of it is secret). */
export interface RestoreAuthorization {
  /** `--destructive`: required by replace and replace-all. */
  destructive: boolean;
  /** `--confirm`: required to write into a production deployment. */
  confirmed: boolean;
  ticket?: string;
  reason?: string;
  requestedBy: string;
}

export interface RestoreRequest {
  environment: string;
  production: boolean;
  mode: RestoreMode;
  sourceUrl: string;
  scratchUrl?: string;
  /** Who may confirm a production change; empty means anyone with a ticket and a reason. */
  approvers: readonly string[];
  authorization: RestoreAuthorization;
}

function sameDeployment(a: string, b: string): boolean {
  const norm = (u: string): string => {
    try {
      const x = new URL(u);
      return `${x.protocol}//${x.host}${x.pathname.replace(/\/+$/, '')}`.toLowerCase();
    } catch {
      return u.replace(/\/+$/, '').toLowerCase();
    }
  };
  return norm(a) === norm(b);
}

/**
 * Why a restore must not start, each with the next step, or [] when it may. Replace modes delete
 * live documents, so they need `--destructive`; writing into production at all needs the
 * production guard (the operators' production-access gate, docs/origins.md: acknowledgement, change ticket, reason, approver list).
 */
export function restoreGuardProblems(r: RestoreRequest): string[] {
  const problems: string[] = [];
  if (r.mode === 'scratch') {
    if (!r.scratchUrl) problems.push(`restore mode scratch needs a scratch deployment: set backup.scratch (url, adminKey) for environment ${r.environment}`);
    else if (sameDeployment(r.scratchUrl, r.sourceUrl)) problems.push(`backup.scratch.url is the source deployment ${r.sourceUrl}: a scratch restore replaces all data of its target, so point it at a separate, disposable deployment`);
  }
  if (isDestructive(r.mode) && !r.authorization.destructive) {
    problems.push(`restore mode ${r.mode} deletes documents in ${r.sourceUrl}${r.mode === 'replace-all' ? ' (every table)' : ' (the snapshot\'s tables)'}: pass --destructive to confirm, or use restore mode scratch`);
  }
  if (r.production && writesToSource(r.mode)) {
    const missing: string[] = [];
    if (!r.authorization.confirmed) missing.push('--confirm');
    if (!r.authorization.ticket?.trim()) missing.push('--ticket <change ticket>');
    if (!r.authorization.reason?.trim()) missing.push('--reason <why>');
    if (missing.length) problems.push(`environment ${r.environment} is production and restore mode ${r.mode} writes into its deployment: it needs ${missing.join(', ')}`);
    else if (r.approvers.length > 0 && !r.approvers.includes(r.authorization.requestedBy)) {
      problems.push(`environment ${r.environment} is production and ${r.authorization.requestedBy} is not one of its approvers (${r.approvers.join(', ')})`);
    }
  }
  return problems;
}

/**
 * A scratch restore replaces all data of its target, so the config names the scratch deployment's
 * identity (what its backend reports at `/instance_name`) and the worker checks it before importing;
 * a URL alone proves nothing (one Cloud Run service answers on several).
 */
export function scratchIdentityProblems(mode: RestoreMode, source: { instanceName?: string }, scratch: { url: string; instanceName?: string } | undefined): string[] {
  if (mode !== 'scratch' || !scratch) return [];
  if (!scratch.instanceName) return [`backup.scratch.instanceName is required: the worker checks that the backend at ${scratch.url} reports this name (GET /instance_name) before it replaces that deployment's data`];
  if (scratch.instanceName === source.instanceName) return [`backup.scratch.instanceName is the source's (${source.instanceName}): point the scratch restore at a separate, disposable deployment`];
  return [];
}

/** A drill's resolved backup settings, as the guard reads them. */
export interface BackupDrillSettings {
  environment: string;
  production: boolean;
  restoreMode: RestoreMode;
  backup: { source: { url: string }; scratch?: { url: string } };
  approvers: readonly string[];
  authorization: RestoreAuthorization;
}

export function backupDrillGuardProblems(s: BackupDrillSettings): string[] {
  return restoreGuardProblems({
    environment: s.environment,
    production: s.production,
    mode: s.restoreMode,
    sourceUrl: s.backup.source.url,
    scratchUrl: s.backup.scratch?.url,
    approvers: s.approvers,
    authorization: s.authorization,
  });
}
