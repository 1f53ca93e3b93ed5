/**
 * Swedish personnummer and samordningsnummer: parse, validate, normalise to
 * 12 digits, and mask. A personnummer is shown only masked, `YYYYMMDD-****`,
 * and never logged in clear.
 */
import type { CalendarDate } from './extract/contract';
import { isCalendarDate } from './calendar-date';

const SHAPE = /^(\d{2})?(\d{6})([-+]?)(\d{4})$/;

export type ParsedPersonalNumber =
  | { readonly ok: true; readonly normalized: string; readonly coordination: boolean }
  | { readonly ok: false; readonly reason: 'format' | 'date' | 'check digit' };

/** The Luhn check over the 10 digits YYMMDDNNNC. */
export function luhnOk(tenDigits: string): boolean {
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    let d = Number(tenDigits[i]) * (i % 2 === 0 ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Accepts 10 or 12 digits, with or without `-` or `+`. A 10-digit number
 * gets its century from `today`: the latest one not in the future, or a
 * century earlier with `+` (100 years or older).
 */
export function parsePersonalNumber(text: string, today: CalendarDate): ParsedPersonalNumber {
  const m = SHAPE.exec(text.trim());
  if (!m) return { ok: false, reason: 'format' };
  const [, century, yymmdd, sign, rest] = m as unknown as [string, string | undefined, string, string, string];
  const day = Number(yymmdd.slice(4, 6));
  const coordination = day > 60;
  const realDay = String(coordination ? day - 60 : day).padStart(2, '0');
  let fullYear: string;
  if (century !== undefined) {
    fullYear = `${century}${yymmdd.slice(0, 2)}`;
  } else {
    const [ty, tmd] = [Number(today.slice(0, 4)), today.slice(5, 7) + today.slice(8, 10)];
    let year = Math.floor(ty / 100) * 100 + Number(yymmdd.slice(0, 2));
    if (year > ty || (year === ty && `${yymmdd.slice(2, 4)}${realDay}` > tmd)) year -= 100;
    if (sign === '+') year -= 100;
    fullYear = String(year);
  }
  if (!isCalendarDate(`${fullYear}-${yymmdd.slice(2, 4)}-${realDay}`)) return { ok: false, reason: 'date' };
  if (!luhnOk(`${yymmdd}${rest}`)) return { ok: false, reason: 'check digit' };
  return { ok: true, normalized: `${fullYear}${yymmdd.slice(2)}${rest}`, coordination };
}

export function looksLikePersonalNumber(text: string): boolean {
  return SHAPE.test(text.trim());
}

/** The digits to compare on: the last ten, since a 10-digit form has no century. */
export function comparableDigits(text: string): string {
  return text.replace(/\D/g, '').slice(-10);
}

/** "YYYYMMDD-****" (or "YYMMDD-****"): the birth date stays readable, the rest never is. */
export function maskPersonalNumber(text: string): string {
  const digits = text.replace(/\D/g, '');
  return `${digits.slice(0, Math.max(0, digits.length - 4))}-****`;
}

/**
 * A personnummer or samordningsnummer in any common writing inside a text:
 * 10 or 12 digits; between date and last four nothing, `-`, `+`, a space or
 * a dot; inside the date nothing, or the same `.`, `-` or space twice
 * (2013.07.07-0308, 130707 0308). Digits right before or after rule a
 * place out, so a longer run of digits is not read as one.
 */
const IN_TEXT = /(?<!\d)(\d{2})?(\d{2})([-. ]?)(\d{2})\3(\d{2})[-+. ]?(\d{4})(?!\d)/g;

/**
 * Every plausible personnummer or samordningsnummer in `text`, as its ten
 * digits YYMMDDNNNC (the form `comparableDigits` gives). Plausible: a
 * century of 18, 19 or 20 when written, a real calendar day (day + 60 for a
 * samordningsnummer) and a right check digit, so ordinary digit runs (phone
 * numbers, room numbers, dates) are not taken for one. Pure; never throws.
 */
export function findPersonalNumbers(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(IN_TEXT)) {
    const [, century, yy, , mm, dd, rest] = m as unknown as [string, string | undefined, string, string, string, string, string];
    if (century !== undefined && !['18', '19', '20'].includes(century)) continue;
    const day = Number(dd) > 60 ? Number(dd) - 60 : Number(dd);
    // Without a century, 20yy: a leap year whenever 19yy or 20yy is one (2000 is, 1900 is not).
    if (!isCalendarDate(`${century ?? '20'}${yy}-${mm}-${String(day).padStart(2, '0')}`)) continue;
    const digits = `${yy}${mm}${dd}${rest}`;
    if (luhnOk(digits)) found.push(digits);
  }
  return found;
}

/** What stands in a run report for a personnummer found in a name or a group's name. */
export const PERSONAL_NUMBER_MASK = '[personnummer]';

/**
 * `text` with every plausible personnummer in it (findPersonalNumbers' rule) replaced by
 * PERSONAL_NUMBER_MASK: the run report shows names as ProCapita has them, and a number typed into a
 * name, perhaps a protected person's, must not reach it.
 */
export function maskPersonalNumbersIn(text: string): string {
  if (!/\d{4}/.test(text)) return text;
  return text.replace(IN_TEXT, (match) => (findPersonalNumbers(match).length > 0 ? PERSONAL_NUMBER_MASK : match));
}
