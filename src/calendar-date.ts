/**
 * Calendar dates, `YYYY-MM-DD`, as SQL Server's `date` holds them: from
 * 0001-01-01 to 9999-12-31. The one parser every source goes through (fixture
 * text, the Date objects mssql returns, personnummer, --date), so a date means
 * the same wherever it comes from. Arithmetic only: Date.UTC maps the years
 * 0–99 to 1900–1999.
 */

export const FIRST_DATE = '0001-01-01';
export const LAST_DATE = '9999-12-31';

const SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

const isLeapYear = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeapYear(y) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Year, month and day as `YYYY-MM-DD`, or undefined outside the calendar or the range. */
function fromParts(y: number, m: number, d: number): string | undefined {
  if (!Number.isInteger(y) || y < 1 || y > 9999) return undefined;
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return undefined;
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

/**
 * A calendar date from `YYYY-MM-DD` text or from a Date (its UTC day: mssql
 * returns DATE columns as UTC midnight); undefined when it is no real day
 * within 0001-01-01 … 9999-12-31.
 */
export function parseCalendarDate(value: string | Date): string | undefined {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return undefined;
    return fromParts(value.getUTCFullYear(), value.getUTCMonth() + 1, value.getUTCDate());
  }
  const m = SHAPE.exec(value);
  return m ? fromParts(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
}

/** Checks a `YYYY-MM-DD` string names a real calendar day within 0001-01-01 … 9999-12-31. */
export function isCalendarDate(value: string): boolean {
  return parseCalendarDate(value) !== undefined;
}

/** The date as UTC midnight, e.g. for a query parameter of type date. The date must be a calendar date. */
export function utcMidnight(date: string): Date {
  const m = SHAPE.exec(date);
  if (!m || !isCalendarDate(date)) throw new RangeError('not a calendar date'); // a bug: callers pass checked dates
  const t = new Date(0);
  t.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return t;
}

/**
 * The date `days` later (earlier when negative). A result beyond the range is
 * held at its end, which keeps its order against every date in the range: a
 * start "on or before 9999-12-31 + 14 days" is any start.
 */
export function addDays(date: string, days: number): string {
  const t = new Date(utcMidnight(date).getTime() + days * MS_PER_DAY);
  const y = t.getUTCFullYear();
  if (y < 1) return FIRST_DATE;
  if (y > 9999) return LAST_DATE;
  return parseCalendarDate(t)!;
}
