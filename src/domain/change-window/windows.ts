import { freezeInstant } from './freeze-time';
import { DAY_KEYS, type ChangeWindows } from './schema';
import { addDays, formatLocal, localTime, zonedInstants } from './zoned-time';

/**
 * Whether a rollout may start a traffic change at an instant, and if not, why and when it next
 * may. Pure: the worker evaluates it in a local activity (so the zone data of whichever worker
 * answered is recorded in history, and replay never depends on it); `rollout plan` evaluates it
 * for each step.
 */

interface CompiledWindow {
  /** Indexed by weekday, 0 = Monday. */
  days: boolean[];
  startMinute: number;
  /** Exclusive; 1440 is midnight at the end of the day. At or below startMinute: the window runs past midnight. */
  endMinute: number;
  text: string;
}

export interface FreezePeriod {
  reason: string;
  from: string;
  until: string;
  fromMs: number;
  untilMs: number;
}

export interface CompiledChangeWindows {
  timeZone: string;
  allowed?: CompiledWindow[];
  freezes: FreezePeriod[];
}

/** What the rollout shows while it waits, and what `rollout plan` says about a step. */
export type ChangeWindowVerdict =
  | { open: true; detail: string }
  | {
      open: false;
      cause: 'freeze' | 'outside-window';
      /** Why, naming the freeze or the windows, and the next opening. */
      detail: string;
      /** Why alone: the freeze or the windows. */
      held: string;
      freeze?: { reason: string; from: string; until: string };
      /** Absent only when nothing opens within the search horizon (a config no window can satisfy). */
      nextOpeningMs?: number;
      nextOpeningAt?: string;
      /** The opening on the zone's wall clock: `Mon 2026-12-21 09:00 Europe/Berlin`. */
      nextOpeningLocal?: string;
    };

function dayIndex(name: string): number {
  return DAY_KEYS.indexOf(name as (typeof DAY_KEYS)[number]);
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

export function compileChangeWindows(cw: ChangeWindows): CompiledChangeWindows {
  const allowed = cw.allowed?.map((w): CompiledWindow => {
    const days = new Array<boolean>(7).fill(false);
    for (const spec of w.days) {
      const [a, b] = spec.split('-').map(dayIndex) as [number, number | undefined];
      // mon-fri, and fri-mon wrapping over the weekend.
      for (let d = a; ; d = (d + 1) % 7) {
        days[d] = true;
        if (b === undefined || d === b) break;
      }
    }
    const [start, end] = w.hours.split('-') as [string, string];
    return { days, startMinute: minutes(start), endMinute: minutes(end), text: `${w.days.join(',')} ${w.hours}` };
  });
  const freezes = cw.freezes.map((f) => ({ reason: f.reason, from: f.from, until: f.until, fromMs: freezeInstant(f.from, 'from', cw.timeZone), untilMs: freezeInstant(f.until, 'until', cw.timeZone) }));
  return { timeZone: cw.timeZone, ...(allowed ? { allowed } : {}), freezes };
}

/** The freeze in force at `ms` that lasts longest, if any. */
export function freezeAt(c: CompiledChangeWindows, ms: number): FreezePeriod | undefined {
  let found: FreezePeriod | undefined;
  for (const f of c.freezes) if (f.fromMs <= ms && ms < f.untilMs && (!found || f.untilMs > found.untilMs)) found = f;
  return found;
}

/** Whether `ms` falls inside an allowed window (always, when the section declares none). */
export function insideWindow(c: CompiledChangeWindows, ms: number): boolean {
  if (!c.allowed) return true;
  const t = localTime(ms, c.timeZone);
  const yesterday = (t.weekday + 6) % 7;
  return c.allowed.some((w) =>
    w.startMinute < w.endMinute
      ? w.days[t.weekday] && t.minuteOfDay >= w.startMinute && t.minuteOfDay < w.endMinute
      : (w.days[t.weekday] && t.minuteOfDay >= w.startMinute) || (w.days[yesterday] && t.minuteOfDay < w.endMinute),
  );
}

/** The first window start after `ms`, within the coming week. */
function nextWindowStart(c: CompiledChangeWindows, ms: number): number | undefined {
  const t = localTime(ms, c.timeZone);
  let best: number | undefined;
  for (let d = 0; d <= 8; d++) {
    const date = addDays(t, d);
    const weekday = (t.weekday + d) % 7;
    for (const w of c.allowed ?? []) {
      if (!w.days[weekday]) continue;
      // A start in the hour DST repeats happens twice; the second is an opening too.
      for (const start of zonedInstants(date, w.startMinute, c.timeZone)) if (start > ms && (best === undefined || start < best)) best = start;
    }
    if (best !== undefined) return best;
  }
  return best;
}

/** The first instant at or after `ms` inside a window and outside every freeze; undefined if none within ~2 years. */
export function nextOpening(c: CompiledChangeWindows, ms: number): number | undefined {
  const horizon = ms + 2 * 366 * 86_400_000;
  let t = ms;
  // Each turn jumps to a freeze's end or a window's start, so a few hundred turns reach any horizon.
  for (let turn = 0; turn < 2000 && t <= horizon; turn++) {
    const freeze = freezeAt(c, t);
    if (freeze) {
      t = freeze.untilMs;
      continue;
    }
    if (insideWindow(c, t)) return t;
    const next = nextWindowStart(c, t);
    if (next === undefined) return undefined;
    t = next;
  }
  return undefined;
}

function windowsText(c: CompiledChangeWindows): string {
  return `${(c.allowed ?? []).map((w) => w.text).join('; ')} ${c.timeZone}`;
}

/** Whether a traffic change may start at `ms`; if not, what holds it and when it next may. */
export function changeWindowVerdict(c: CompiledChangeWindows, ms: number): ChangeWindowVerdict {
  const freeze = freezeAt(c, ms);
  const inside = insideWindow(c, ms);
  if (!freeze && inside) return { open: true, detail: c.allowed ? `inside the change windows (${windowsText(c)})` : `no freeze in force (${c.timeZone})` };
  const opening = nextOpening(c, ms);
  const next = opening === undefined ? 'no opening within two years: check the change windows in the worker\'s config' : `next opening ${formatLocal(opening, c.timeZone)}`;
  const held = freeze
    ? `change freeze "${freeze.reason}" (${freeze.from} .. ${freeze.until}, ${c.timeZone}) until ${formatLocal(freeze.untilMs, c.timeZone)}`
    : `outside the change windows (${windowsText(c)})`;
  return {
    open: false,
    cause: freeze ? 'freeze' : 'outside-window',
    detail: `${held}; ${next}`,
    held,
    ...(freeze ? { freeze: { reason: freeze.reason, from: freeze.from, until: freeze.until } } : {}),
    ...(opening !== undefined ? { nextOpeningMs: opening, nextOpeningAt: new Date(opening).toISOString(), nextOpeningLocal: formatLocal(opening, c.timeZone) } : {}),
  };
}
