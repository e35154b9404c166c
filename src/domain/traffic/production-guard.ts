import { includesPrincipal } from '../decision-signature';

/** What an operator states to change traffic in a production environment; all of it lands in history. */
export interface ChangeConfirmation {
  confirmed: boolean;
  ticket?: string;
  reason?: string;
}

export interface GuardRequest {
  environment: string;
  production: boolean;
  /** Only changes need the guard; a dry run never does. */
  changesTraffic: boolean;
  confirmation?: ChangeConfirmation;
  requestedBy: string;
  /** Who may confirm; empty means anyone who gives a ticket and a reason. */
  approvers: readonly string[];
}

/**
 * Why a traffic change must not start, or undefined when it may. Modelled on the operators' MCP
 * production gate: explicit acknowledgement, a change ticket and a reason.
 */
export function productionGuardProblem(r: GuardRequest): string | undefined {
  if (!r.production || !r.changesTraffic) return undefined;
  const missing: string[] = [];
  if (!r.confirmation?.confirmed) missing.push('--confirm');
  if (!r.confirmation?.ticket?.trim()) missing.push('--ticket <change ticket>');
  if (!r.confirmation?.reason?.trim()) missing.push('--reason <why>');
  if (missing.length) return `environment ${r.environment} is production: changing traffic needs ${missing.join(', ')}`;
  if (r.approvers.length > 0 && !includesPrincipal(r.approvers, r.requestedBy)) {
    return `environment ${r.environment} is production and ${r.requestedBy} is not one of its approvers (${r.approvers.join(', ')})`;
  }
  return undefined;
}
