import type { CalendarDate } from '../extract/contract';

/** "2026-08-17 – 2027-06-11", with open ends spelled out. */
export function formatRange(start: CalendarDate | null, end: CalendarDate | null): string {
  return `${start ?? 'no start date'} – ${end ?? 'no end date'}`;
}
