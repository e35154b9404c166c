import { z } from 'zod';
import { strictObject } from '../strict-object';
import { freezeInstant } from './freeze-time';
import { isTimeZone } from './zoned-time';

export const DAY_KEYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const DAY = DAY_KEYS.join('|');

/** Freezes longer than this are refused as a likely typo (2027 for 2026). */
export const MAX_FREEZE_DAYS = 366;

const DaySpec = z.string().regex(new RegExp(`^(${DAY})(-(${DAY}))?$`), { message: 'expected a day (mon, tue, wed, thu, fri, sat, sun) or a range like mon-fri' });

const HOURS = /^([01]\d|2[0-3]):([0-5]\d)-(([01]\d|2[0-3]):([0-5]\d)|24:00)$/;

export const HoursSchema = z
  .string()
  .regex(HOURS, { message: 'expected hours like 09:00-17:00 (24-hour clock; 22:00-06:00 runs past midnight; 00:00-24:00 is the whole day)' })
  .refine((h) => h.split('-')[0] !== h.split('-')[1] && h !== '00:00-00:00', { message: 'the window starts and ends at the same time; write 00:00-24:00 for the whole day' });

/** Days and hours on the wall clock of the section's time zone when traffic may change. */
export const AllowedWindowSchema = strictObject({
  days: z.array(DaySpec).min(1, { message: 'name at least one day, like [mon-fri]' }),
  hours: HoursSchema,
});

const FREEZE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})?)?$/;
const FREEZE_TIME_TEXT = 'a date (2026-12-20), a local time in the time zone (2026-12-20T18:00) or an instant (2026-12-20T17:00:00Z)';
const FreezeTime = z.string({ error: `required: ${FREEZE_TIME_TEXT}, quoted` }).regex(FREEZE_TIME, { message: `expected ${FREEZE_TIME_TEXT}` });

/**
 * No traffic change from `from` until `until`. A date alone means the whole day in the section's
 * time zone: `from: 2026-12-20, until: 2027-01-04` freezes from the start of Dec 20 through the
 * end of Jan 4.
 */
export const FreezeSchema = strictObject({
  from: FreezeTime,
  until: FreezeTime,
  /** Shown in status, the Web UI and `rollout plan`: it names the freeze. */
  reason: z.string().trim().min(1, { message: 'say why (it names the freeze in status and the Web UI)' }).max(200),
});

/**
 * When a rollout may start a traffic change in an environment: inside an allowed window (all
 * the time when `allowed` is left out) and outside every freeze. Compensation is never held back.
 */
export const ChangeWindowsSchema = strictObject({
  /** The IANA time zone the days, hours and local freeze times are read in (`Europe/Berlin`, `America/New_York`, `UTC`). */
  timeZone: z.string().refine(isTimeZone, { message: 'expected an IANA time zone name like Europe/Berlin, America/New_York or UTC' }),
  /** Leave out to allow every hour (only freezes apply); an empty list would never open. */
  allowed: z.array(AllowedWindowSchema).min(1, { message: 'an empty list never opens; leave allowed out to allow every hour' }).optional(),
  freezes: z.array(FreezeSchema).max(200).default([]),
}).superRefine((cw, ctx) => {
  if (!isTimeZone(cw.timeZone)) return;
  cw.freezes.forEach((f, i) => {
    const from = freezeInstant(f.from, 'from', cw.timeZone);
    const until = freezeInstant(f.until, 'until', cw.timeZone);
    if (Number.isNaN(from)) ctx.addIssue({ code: 'custom', path: ['freezes', i, 'from'], message: `"${f.from}" is not a real date or time` });
    if (Number.isNaN(until)) ctx.addIssue({ code: 'custom', path: ['freezes', i, 'until'], message: `"${f.until}" is not a real date or time` });
    if (Number.isNaN(from) || Number.isNaN(until)) return;
    if (until <= from) ctx.addIssue({ code: 'custom', path: ['freezes', i, 'until'], message: `the freeze ends (${f.until}) before it starts (${f.from})` });
    else if (until - from > MAX_FREEZE_DAYS * 86_400_000) ctx.addIssue({ code: 'custom', path: ['freezes', i, 'until'], message: `a freeze may last at most ${MAX_FREEZE_DAYS} days; check the year` });
  });
});

export type ChangeWindows = z.infer<typeof ChangeWindowsSchema>;
export type ChangeWindowsInput = z.input<typeof ChangeWindowsSchema>;
export type AllowedWindow = z.infer<typeof AllowedWindowSchema>;
export type Freeze = z.infer<typeof FreezeSchema>;
