/** A Cloud Run condition as the client returns it (string or numeric enum state). */
export interface RawCondition {
  type?: string | null;
  state?: string | number | null;
  message?: string | null;
}

export interface Readiness {
  ready: boolean;
  /** Why not, in Cloud Run's words, or the state when it gave none. */
  detail: string;
}

const SUCCEEDED = new Set<string | number>(['CONDITION_SUCCEEDED', 4]);
const STATE_NAMES: Record<number, string> = { 0: 'STATE_UNSPECIFIED', 1: 'CONDITION_PENDING', 2: 'CONDITION_RECONCILING', 3: 'CONDITION_FAILED', 4: 'CONDITION_SUCCEEDED' };

/**
 * Readiness from the condition whose type is `Ready`, wherever it sits in the list: the operators'
 * script read `conditions[0]`, which is not necessarily Ready.
 */
export function readinessOf(conditions: readonly RawCondition[] | null | undefined): Readiness {
  const ready = (conditions ?? []).find((c) => c.type === 'Ready');
  return readinessOfCondition(ready);
}

/** Readiness of one condition (a service's `terminal_condition` is its Ready condition). */
export function readinessOfCondition(c: RawCondition | null | undefined): Readiness {
  if (!c || c.type !== 'Ready') return { ready: false, detail: 'no Ready condition reported' };
  const state = typeof c.state === 'number' ? (STATE_NAMES[c.state] ?? String(c.state)) : (c.state ?? 'STATE_UNSPECIFIED');
  if (SUCCEEDED.has(c.state ?? '')) return { ready: true, detail: 'Ready' };
  return { ready: false, detail: c.message ? `${state}: ${c.message}` : state };
}
