import type { CalendarDate } from '../extract/contract';

/** Calendar arithmetic on `YYYY-MM-DD` strings, in UTC so no clock or time zone leaks in. */
export function addDays(date: CalendarDate, days: number): CalendarDate {
  const t = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/** "2026-08-17 – 2027-06-11", with open ends spelled out. */
export function formatRange(start: CalendarDate | null, end: CalendarDate | null): string {
  return `${start ?? 'no start date'} – ${end ?? 'no end date'}`;
}
