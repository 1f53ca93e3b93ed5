/**
 * The sync date the rule tests use, date arithmetic written independently of
 * src/decide/dates.ts, a standard "world" (an included school with a teacher
 * and a running class) and lookups into Decisions that fail loudly.
 */
import { expect } from 'vitest';
import type { RuleConfig } from '../../src/configure/config';
import type { Check, Decisions, GroupDecision, PersonDecision, SchoolDecision } from '../../src/decide/decide';
import { decide } from '../../src/decide/decide';
import type { Reason } from '../../src/decide/reasons';
import type { CalendarDate } from '../../src/extract/contract';
import { FixtureBuilder, rules } from './builder';

/** The sync date D of every rule test: Thursday 20 August 2026. */
export const D = '2026-08-20';

/** `date` plus `n` calendar days (n may be negative). */
export function addDays(date: CalendarDate, n: number): CalendarDate {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** D + n. */
export const day = (n: number): CalendarDate => addDays(D, n);

export interface World {
  readonly b: FixtureBuilder;
  /** KRSK, form GR, active since 2020: the configured school. */
  readonly school: string;
  /** OTHR, form GR, active: a real school that is not configured. */
  readonly other: string;
  /** An exported teacher employed at KRSK since 2020. */
  readonly teacher: string;
  /** Class 7B at KRSK GR, 2026-08-17 – 2027-06-11, with `teacher`: created on D. */
  readonly cls: string;
}

export function world(): World {
  const b = new FixtureBuilder();
  const school = b.school({ code: 'KRSK', name: 'Krokslätts skola', forms: ['GR'] });
  const other = b.school({ code: 'OTHR', name: 'Other skola', forms: ['GR'] });
  const teacher = b.staff({ unit: school, given: 'Tove', family: 'Lärare' });
  const cls = b.class({ unit: school, form: 'GR', name: '7B', start: '2026-08-17', end: '2027-06-11', teachers: [teacher] });
  return { b, school, other, teacher, cls };
}

export function run(b: FixtureBuilder, config: RuleConfig = rules(), date: CalendarDate = D): Decisions {
  return decide(b.rows, config, date);
}

export function personOf(d: Decisions, id: string): PersonDecision {
  const p = d.persons.find((x) => x.personId === id);
  if (!p) throw new Error(`no decision for person ${id}`);
  return p;
}

export function groupOf(d: Decisions, id: string): GroupDecision {
  const g = d.groups.find((x) => x.id === id);
  if (!g) throw new Error(`no decision for group ${id}`);
  return g;
}

export function schoolOf(d: Decisions, code: string, form = 'GR'): SchoolDecision {
  const s = d.schools.find((x) => x.unitCode === code && x.schoolForm === form);
  if (!s) throw new Error(`no decision for school ${code} ${form}`);
  return s;
}

/** The texts of the checks that failed. */
export const failed = (checks: readonly Check[]): string[] => checks.filter((c) => !c.ok).map((c) => c.text);
/** The texts of the checks that held. */
export const passed = (checks: readonly Check[]): string[] => checks.filter((c) => c.ok).map((c) => c.text);

/**
 * A table for `it.each(...)('%s', (title, row) => ...)`: each row paired with its
 * title. (vitest cuts `$field` values in test names at 40 characters; `%s` is shown in full.)
 */
export function table<T>(rows: readonly T[], title: (row: T) => string): [string, T][] {
  return rows.map((r) => [title(r), r]);
}

/** `table` titled "<name> → <reason, or 'included'>". */
export function named<T extends { readonly name: string; readonly reason: string | null }>(rows: readonly T[]): [string, T][] {
  return table(rows, (r) => `${r.name} → ${r.reason ?? 'included'}`);
}

/** A row of the class and activity window tables. */
export interface WindowCase {
  readonly name: string;
  readonly start: CalendarDate | null;
  readonly end: CalendarDate | null;
  readonly reason: Reason | null;
  /** Whether the world's student is in studentIds. */
  readonly students: boolean;
  readonly text: string;
}

/**
 * One window case of a class or teaching group: created (reason null) with its
 * teacher and, from start − 1, its student; or left out with exactly one
 * failed check.
 */
export function expectWindowCase(
  g: GroupDecision,
  kind: GroupDecision['kind'],
  c: { readonly reason: string | null; readonly teacher: string; readonly student: string | null; readonly text: string },
): void {
  expect(g.kind).toBe(kind);
  expect(g.included).toBe(c.reason === null);
  expect(g.reason).toBe(c.reason ?? undefined);
  expect(g.teacherIds).toEqual(c.reason === null ? [c.teacher] : []);
  expect(g.studentIds).toEqual(c.student ? [c.student] : []);
  if (c.reason === null) expect(passed(g.checks)).toContain(c.text);
  else expect(failed(g.checks)).toEqual([c.text]);
}
