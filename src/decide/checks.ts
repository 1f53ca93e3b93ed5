/**
 * Checks, and the date rules several sections of docs/rules.md share: a
 * period active on D, a student's placement or membership (student lead),
 * and the window of classes and groups (staff lead).
 */
import type { RuleConfig } from '../configure/config';
import { addDays } from '../calendar-date';
import type { CalendarDate } from '../extract/contract';
import { formatRange } from './dates';

/** A check's words, or how to make them: most are never read, so they are made only when explain or the review file asks. */
export type Words = string | (() => string);

/** One rule applied to one thing: whether it held, and the values that decided it. */
export class Check {
  constructor(
    readonly ok: boolean,
    private readonly words: Words,
  ) {}

  get text(): string {
    return typeof this.words === 'string' ? this.words : this.words();
  }

  /** What JSON shows of it (the golden records hash the decisions): the verdict and the words. */
  toJSON(): { ok: boolean; text: string } {
    return { ok: this.ok, text: this.text };
  }
}

export const pass = (words: Words): Check => new Check(true, words);
export const fail = (words: Words): Check => new Check(false, words);

/** The sync date D and the lead times, with the words the checks use for them. */
export interface Dates {
  readonly D: CalendarDate;
  readonly leadDays: RuleConfig['leadDays'];
  /** A staff start on or before this date counts. */
  readonly staffFrom: CalendarDate;
  /** A student start on or before this date counts. */
  readonly studentFrom: CalendarDate;
  readonly staffLead: string;
  readonly studentLead: string;
}

export function datesFor(D: CalendarDate, rules: RuleConfig): Dates {
  return {
    D,
    leadDays: rules.leadDays,
    staffFrom: addDays(D, rules.leadDays.staff),
    studentFrom: addDays(D, rules.leadDays.students),
    staffLead: `sync date + ${rules.leadDays.staff} days`,
    studentLead: `sync date + ${rules.leadDays.students} day${rules.leadDays.students === 1 ? '' : 's'}`,
  };
}

/** Active on D: start ≤ D, end empty or ≥ D. `what` names the thing checked; it is called only when the words are read. */
export function activeOnCheck({ D }: Dates, what: () => string, start: CalendarDate | null, end: CalendarDate | null): Check {
  if (start === null) return fail(() => `${what()} has no start date`);
  if (start > D) return fail(() => `${what()} starts ${start}, after the sync date ${D}`);
  if (end !== null && end < D) return fail(() => `${what()} ended ${end} (before ${D})`);
  return pass(() => `${what()} is active on ${D} (${formatRange(start, end)})`);
}

/** A placement or membership is active when it starts by D + student lead and has not ended: studentPeriodCheck's verdict without its words. */
export const studentPeriodActive = ({ D, studentFrom }: Dates, start: CalendarDate | null, end: CalendarDate | null): boolean =>
  start !== null && start <= studentFrom && (end === null || end >= D);

/** A placement or membership is active when it starts by D + student lead and has not ended. */
export function studentPeriodCheck({ D, studentFrom, studentLead }: Dates, what: () => string, start: CalendarDate | null, end: CalendarDate | null): Check {
  if (start === null) return fail(() => `${what()} has no start date`);
  if (start > studentFrom) return fail(() => `${what()} starts ${start}, after ${studentFrom} (${studentLead})`);
  if (end !== null && end < D) return fail(() => `${what()} ended ${end} (before ${D})`);
  if (start > D) return pass(() => `${what()} starts ${start}, within the lead time (on or before ${studentFrom}, ${studentLead})`);
  return pass(() => `${what()} is active (${formatRange(start, end)})`);
}

/** Classes and groups share the window rule: both dates set, D ≥ start − staff lead, D ≤ end. */
export function windowCheck({ D, leadDays }: Dates, what: () => string, start: CalendarDate | null, end: CalendarDate | null): { check: Check; reason?: 'dates-missing' | 'not-started' | 'ended' } {
  if (start === null || end === null) {
    const missing = start === null && end === null ? 'start and end dates' : start === null ? 'start date' : 'end date';
    return { check: fail(() => `${what()} has no ${missing}`), reason: 'dates-missing' };
  }
  const opens = addDays(start, -leadDays.staff);
  if (D < opens) return { check: fail(() => `${what()} starts ${start}; it is created from ${opens} (start − ${leadDays.staff} days), after ${D}`), reason: 'not-started' };
  if (D > end) return { check: fail(() => `${what()} ended ${end} (before ${D})`), reason: 'ended' };
  return { check: pass(() => `${what()} is within its window on ${D}: from ${opens} (start ${start} − ${leadDays.staff} days) to ${end}`) };
}

/** When students join a class or teaching group: start − student lead. */
export const studentsJoin = ({ leadDays }: Dates, start: CalendarDate | null): CalendarDate | null => (start === null ? null : addDays(start, -leadDays.students));

export function studentPhaseCheck({ D, leadDays }: Dates, from: CalendarDate | null, count: number): Check {
  return from !== null && D >= from
    ? pass(() => `students are added from ${from} (start − ${leadDays.students} day${leadDays.students === 1 ? '' : 's'}): ${count} exported student${count === 1 ? '' : 's'}`)
    : pass(() => `students are added from ${from ?? '(no start date)'}: none yet on ${D}`);
}
