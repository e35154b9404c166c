import { addDays, zonedInstant } from './zoned-time';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

function realDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/**
 * The instant a freeze boundary stands for (NaN when it is no real date or time). A date alone
 * is a whole day in the zone: `from` is its first moment, `until` the first moment of the day
 * after (the day itself is frozen). A local time is read on the zone's wall clock; an instant
 * with Z or an offset is taken as written.
 */
export function freezeInstant(text: string, edge: 'from' | 'until', timeZone: string): number {
  const d = DATE.exec(text);
  if (d) {
    const date = { year: Number(d[1]), month: Number(d[2]), day: Number(d[3]) };
    if (!realDate(date.year, date.month, date.day)) return NaN;
    return zonedInstant(edge === 'until' ? addDays(date, 1) : date, 0, timeZone);
  }
  const l = LOCAL.exec(text);
  if (l) {
    const [year, month, day, hour, minute, second] = l.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
    if (!realDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return NaN;
    return zonedInstant({ year, month, day }, hour * 60 + minute, timeZone) + second * 1000;
  }
  return Date.parse(text);
}
