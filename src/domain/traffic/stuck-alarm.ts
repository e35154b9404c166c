/**
 * How often a restore that keeps failing is announced (a notification, the search attribute, an
 * error log): at the first failure, then 15 minutes later, the interval doubling up to every 4
 * hours. People hear about it at once and are reminded while it lasts, without a message per retry
 * (a stuck restore retries every few minutes for as long as it takes).
 */
export const STUCK_ALARM_FIRST_REPEAT_MS = 15 * 60_000;
export const STUCK_ALARM_MAX_INTERVAL_MS = 4 * 3_600_000;

/** Carried across continue-as-new, so a new run neither forgets nor repeats an announcement. */
export interface StuckAlarm {
  /** Announcements made since the restore got stuck. */
  raised: number;
  /** Workflow time of the last one. */
  lastRaisedAtMs?: number;
}

export function stuckAlarmDue(alarm: StuckAlarm, nowMs: number): boolean {
  if (alarm.raised === 0 || alarm.lastRaisedAtMs === undefined) return true;
  const intervalMs = Math.min(STUCK_ALARM_MAX_INTERVAL_MS, STUCK_ALARM_FIRST_REPEAT_MS * 2 ** (alarm.raised - 1));
  return nowMs - alarm.lastRaisedAtMs >= intervalMs;
}
