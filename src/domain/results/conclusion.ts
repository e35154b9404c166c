// How a run ended, in the same shape for every kind: plain data and the sentences people read first.

/** One link of a failure's cause chain. */
export interface FailureCause {
  /** The failure type (an ApplicationFailure's type, or the failure class: ActivityFailure, TimeoutFailure...). */
  type: string;
  message: string;
}

/** Something the run changed outside Temporal, and whether it is back as it was. */
export interface RunChange {
  /** What changed, on which resource ("traffic of oa-backend: 100% 00011-v4r -> 100% 00010-kpf"). */
  what: string;
  /** Put back as it was, and read back to prove it; `kept` when the change is the point (an import into a scratch deployment). */
  undone: boolean | 'kept';
  detail?: string;
}

/** How a run ended, in the same shape for every kind, on failure as on success. */
export interface RunConclusion {
  /** One line that leads the human output: what failed, and whether everything is back as it was. */
  summary: string;
  /** Where it failed (a phase or step), when it did. */
  failedAt?: string;
  /** The cause chain of a FAIL, outermost first, down to the root cause. Empty on PASS. */
  causes: FailureCause[];
  /** What the run changed outside Temporal. Empty: nothing was changed. */
  changes: RunChange[];
  /** Every change not meant to stay is back as it was, verified by reading it back (true when nothing changed). */
  restored: boolean;
}

/** A result that carries its conclusion (every kind, from the failures-are-results change on). */
export interface WithConclusion {
  verdict: string;
  conclusion?: RunConclusion;
}

/** Every change that had to be undone was, verified. */
export function everythingRestored(changes: RunChange[]): boolean {
  return changes.every((c) => c.undone !== false);
}

/** The sentence about what changed and whether it is back, for the summary line. */
export function restorationSentence(changes: RunChange[], what = 'Everything it changed'): string {
  if (changes.length === 0) return 'Nothing was changed.';
  const notBack = changes.filter((c) => c.undone === false);
  if (notBack.length) return `NOT RESTORED: ${notBack.map((c) => c.what + (c.detail ? ` (${c.detail})` : '')).join('; ')}.`;
  const kept = changes.filter((c) => c.undone === 'kept');
  return [
    ...(kept.length < changes.length ? [`${what} is back as it was, verified.`] : []),
    ...(kept.length ? [`Kept: ${kept.map((c) => c.what + (c.detail ? ` (${c.detail})` : '')).join('; ')}.`] : []),
  ].join(' ');
}

/** The first line a person reads: `FAIL: <root cause>. <what is back>.` */
export function failureSummary(kind: string, causes: FailureCause[], restoration: string): string {
  const root = causes[causes.length - 1]?.message ?? 'no cause recorded';
  return `${kind} failed: ${root.replace(/\.$/, '')}. ${restoration}`;
}
