/**
 * Wall-clock time in a named IANA time zone, through Intl (Node ships the full ICU time zone
 * data). Change windows are written as people read a clock where the team works ("Mon-Fri
 * 09:00-17:00 Europe/Berlin"), so every comparison is made on the local wall clock, and DST is
 * handled where wall time meets instants: in zonedInstant.
 */

export interface LocalDate {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
}

export interface LocalTime extends LocalDate {
  hour: number;
  minute: number;
  second: number;
  /** 0 = Monday .. 6 = Sunday. */
  weekday: number;
  /** Minutes since local midnight (DST days have 23 or 25 hours, but a wall clock still reads 00:00..23:59). */
  minuteOfDay: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether Intl knows the zone (`Europe/Berlin`, `UTC`); a misspelt one throws a RangeError there. */
export function isTimeZone(name: string): boolean {
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/** 0 = Monday .. 6 = Sunday, of a calendar date. */
export function weekdayOf(d: LocalDate): number {
  return (new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay() + 6) % 7;
}

/** The calendar date `days` after `d`. */
export function addDays(d: LocalDate, days: number): LocalDate {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day) + days * DAY_MS);
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

export function localTime(ms: number, timeZone: string): LocalTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const date = { year: parts.year!, month: parts.month!, day: parts.day! };
  const hour = parts.hour!;
  const minute = parts.minute!;
  return { ...date, hour, minute, second: parts.second!, weekday: weekdayOf(date), minuteOfDay: hour * 60 + minute };
}

/** The wall clock at `ms`, as if it were UTC: what the instant reads in the zone. */
function wallMs(ms: number, timeZone: string): number {
  const t = localTime(ms, timeZone);
  return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second) + (ms % 1000 + 1000) % 1000;
}

/**
 * The instant the wall clock in `timeZone` reads `minuteOfDay` on `date` (1440 is the next
 * midnight). A time that occurs twice (the hour repeated when DST ends) gives the first; a time
 * that never occurs (the hour skipped when DST starts) gives the instant the skip ends, the first
 * moment the clock reads later than it: a window starting at 02:30 on that day opens at 03:00.
 */
export function zonedInstant(date: LocalDate, minuteOfDay: number, timeZone: string): number {
  return zonedInstants(date, minuteOfDay, timeZone)[0]!;
}

/** Every instant the wall clock reads that time (two in the repeated hour), earliest first; see zonedInstant. */
export function zonedInstants(date: LocalDate, minuteOfDay: number, timeZone: string): number[] {
  const wall = Date.UTC(date.year, date.month - 1, date.day) + minuteOfDay * MINUTE_MS;
  // Real zones change their offset at most once within a day either side.
  const candidates = [...new Set([wall - DAY_MS, wall + DAY_MS].map((t) => wallMs(t, timeZone) - t))].map((offset) => wall - offset);
  const exact = candidates.filter((t) => wallMs(t, timeZone) === wall).sort((a, b) => a - b);
  if (exact.length > 0) return exact;
  // Skipped: the wall clock jumps over `wall` between the two candidates; find where, to the second.
  let lo = Math.min(...candidates);
  let hi = Math.max(...candidates);
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (wallMs(mid, timeZone) >= wall) hi = mid;
    else lo = mid;
  }
  return [hi];
}

const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const two = (n: number): string => String(n).padStart(2, '0');

/** `Mon 2026-12-21 09:00 Europe/Berlin`: how people read an opening. */
export function formatLocal(ms: number, timeZone: string): string {
  const t = localTime(ms, timeZone);
  return `${DAY_NAMES[t.weekday]} ${t.year}-${two(t.month)}-${two(t.day)} ${two(t.hour)}:${two(t.minute)} ${timeZone}`;
}
