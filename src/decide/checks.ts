/**
 * Checks, and the date rules several sections of docs/rules.md share: a
 * period active on D, a student's placement or membership (student lead),
 * and the window of classes and groups (staff lead).
 *
 * Each rule is written once, as a function that gives its verdict and, when
 * it is handed a list to record into, the words that explain it. decide()
 * hands it none: at 100,000 persons the words are most of the work and most
 * of the memory, and they are read only by explain, the review file and the
 * golden records. A decision's `checks` runs the same rules again for that
 * one thing, with a list.
 */
import type { RuleConfig } from '../configure/config';
import { addDays } from '../calendar-date';
import type { CalendarDate } from '../extract/contract';
import { formatRange } from './dates';

/** One rule applied to one thing: whether it held, and the values that decided it. */
export class Check {
  constructor(
    readonly ok: boolean,
    readonly text: string,
  ) {}

  /** What JSON shows of it (the golden records hash the decisions): the verdict and the words. */
  toJSON(): { ok: boolean; text: string } {
    return { ok: this.ok, text: this.text };
  }
}

export const pass = (text: string): Check => new Check(true, text);
export const fail = (text: string): Check => new Check(false, text);

/** Where a rule writes its checks: null while deciding, a list when someone reads them. */
export type Out = Check[] | null;

/** A rule's checks, made when read: `rule` runs once more, handed a list to record into. */
export function recorded(rule: (out: Check[]) => unknown): Check[] {
  const out: Check[] = [];
  rule(out);
  return out;
}

/** The sync date D and the lead times, with the words the checks use for them. */
export interface Dates {
  readonly D: CalendarDate;
  readonly leadDays: RuleConfig['leadDays'];
  /** A staff start on or before this date counts; a class or group with a start on or before it is open (D ≥ start − staff lead). */
  readonly staffFrom: CalendarDate;
  /** A student start on or before this date counts. */
  readonly studentFrom: CalendarDate;
  readonly staffLead: string;
  readonly studentLead: string;
  /** start − staff lead, and start − student lead: each distinct date worked out once (a few hundred starts, 60,000 groups). */
  readonly opens: (start: CalendarDate) => CalendarDate;
  readonly studentsJoin: (start: CalendarDate | null) => CalendarDate | null;
}

function memo(days: number): (date: CalendarDate) => CalendarDate {
  const known = new Map<CalendarDate, CalendarDate>();
  return (date) => {
    let result = known.get(date);
    if (result === undefined) {
      result = addDays(date, days);
      known.set(date, result);
    }
    return result;
  };
}

export function datesFor(D: CalendarDate, rules: RuleConfig): Dates {
  const joins = memo(-rules.leadDays.students);
  return {
    D,
    leadDays: rules.leadDays,
    staffFrom: addDays(D, rules.leadDays.staff),
    studentFrom: addDays(D, rules.leadDays.students),
    staffLead: `sync date + ${rules.leadDays.staff} days`,
    studentLead: `sync date + ${rules.leadDays.students} day${rules.leadDays.students === 1 ? '' : 's'}`,
    opens: memo(-rules.leadDays.staff),
    studentsJoin: (start) => (start === null ? null : joins(start)),
  };
}

/** Active on D: start ≤ D, end empty or ≥ D. `what` names the thing checked (read only when recording). */
export function activeOn({ D }: Dates, start: CalendarDate | null, end: CalendarDate | null, out: Out, what: string): boolean {
  if (start === null) return out?.push(fail(`${what} has no start date`)), false;
  if (start > D) return out?.push(fail(`${what} starts ${start}, after the sync date ${D}`)), false;
  if (end !== null && end < D) return out?.push(fail(`${what} ended ${end} (before ${D})`)), false;
  out?.push(pass(`${what} is active on ${D} (${formatRange(start, end)})`));
  return true;
}

/** A placement or membership is active when it starts by D + student lead and has not ended: studentPeriod's verdict alone. */
export const studentPeriodActive = ({ D, studentFrom }: Dates, start: CalendarDate | null, end: CalendarDate | null): boolean =>
  start !== null && start <= studentFrom && (end === null || end >= D);

/** A placement or membership is active when it starts by D + student lead and has not ended. Records its check into `out`. */
export function studentPeriod({ D, studentFrom, studentLead }: Dates, start: CalendarDate | null, end: CalendarDate | null, out: Check[], what: string): boolean {
  if (start === null) return out.push(fail(`${what} has no start date`)), false;
  if (start > studentFrom) return out.push(fail(`${what} starts ${start}, after ${studentFrom} (${studentLead})`)), false;
  if (end !== null && end < D) return out.push(fail(`${what} ended ${end} (before ${D})`)), false;
  if (start > D) out.push(pass(`${what} starts ${start}, within the lead time (on or before ${studentFrom}, ${studentLead})`));
  else out.push(pass(`${what} is active (${formatRange(start, end)})`));
  return true;
}

export type WindowReason = 'dates-missing' | 'not-started' | 'ended';

/** Classes and groups share the window rule: both dates set, D ≥ start − staff lead, D ≤ end. Undefined when it holds. */
export function windowRule(dates: Dates, start: CalendarDate | null, end: CalendarDate | null, out: Out, what: string): WindowReason | undefined {
  const { D, leadDays } = dates;
  if (start === null || end === null) {
    if (out) {
      const missing = start === null && end === null ? 'start and end dates' : start === null ? 'start date' : 'end date';
      out.push(fail(`${what} has no ${missing}`));
    }
    return 'dates-missing';
  }
  // D ≥ start − lead is start ≤ D + lead (addDays holds both at the range's ends, which keeps the order).
  if (start > dates.staffFrom) {
    out?.push(fail(`${what} starts ${start}; it is created from ${dates.opens(start)} (start − ${leadDays.staff} days), after ${D}`));
    return 'not-started';
  }
  if (D > end) return out?.push(fail(`${what} ended ${end} (before ${D})`)), 'ended';
  out?.push(pass(`${what} is within its window on ${D}: from ${dates.opens(start)} (start ${start} − ${leadDays.staff} days) to ${end}`));
  return undefined;
}

/** From start − student lead, a group carries its students: the words for that. */
export function studentPhaseCheck({ D, leadDays }: Dates, from: CalendarDate | null, count: number): Check {
  return from !== null && D >= from
    ? pass(`students are added from ${from} (start − ${leadDays.students} day${leadDays.students === 1 ? '' : 's'}): ${count} exported student${count === 1 ? '' : 's'}`)
    : pass(`students are added from ${from ?? '(no start date)'}: none yet on ${D}`);
}
