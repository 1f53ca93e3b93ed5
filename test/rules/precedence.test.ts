/**
 * When several rules fail, the reason is the first failed rule in the order
 * of docs/rules.md. Each row breaks two rules and expects the earlier one.
 */
import { describe, expect, it } from 'vitest';
import type { Reason } from '../../src/decide/reasons';
import { day, groupOf, personOf, run, table, world, type World } from '../support/world';

interface PrecedenceCase {
  readonly name: string;
  /** Builds the thing under test in the standard world; returns its id. */
  readonly build: (w: World) => string;
  readonly reason: Reason;
}

describe('student: identity, deceased, deregistered, placement', () => {
  const cases: PrecedenceCase[] = [
    { name: 'protected (level 2) and deceased', build: (w) => w.b.student({ cls: w.cls, protectedLevel: 2, deceased: true }), reason: 'protected-identity' },
    { name: 'level NULL and no active placement', build: (w) => w.b.student({ cls: w.cls, protectedLevel: null, start: day(5) }), reason: 'protected-identity-unknown' },
    { name: 'deceased and deregistered', build: (w) => w.b.student({ cls: w.cls, deceased: true, deregistered: true }), reason: 'deceased' },
    { name: 'deregistered and placement ended', build: (w) => w.b.student({ cls: w.cls, deregistered: true, end: day(-1) }), reason: 'deregistered' },
  ];
  it.each(table(cases, (c) => `${c.name} → ${c.reason}`))('%s', (_, { build, reason }) => {
    const w = world();
    const id = build(w);
    expect(personOf(run(w.b), id).student?.reason).toBe(reason);
  });
});

describe('staff: identity, deceased, employment', () => {
  const cases: PrecedenceCase[] = [
    { name: 'protected (level 1) and deceased', build: (w) => w.b.staff({ unit: w.school, protectedLevel: 1, deceased: true }), reason: 'protected-identity' },
    { name: 'deceased and employment at a school not configured', build: (w) => w.b.staff({ unit: w.other, deceased: true }), reason: 'deceased' },
  ];
  it.each(table(cases, (c) => `${c.name} → ${c.reason}`))('%s', (_, { build, reason }) => {
    const w = world();
    const id = build(w);
    expect(personOf(run(w.b), id).staff?.reason).toBe(reason);
  });
});

describe('class: school, dates, window, teacher', () => {
  const cases: PrecedenceCase[] = [
    { name: 'school not configured and dates missing', build: (w) => w.b.class({ unit: w.other, start: null, teachers: [w.teacher] }), reason: 'class-school-not-included' },
    { name: 'dates missing and no teacher', build: (w) => w.b.class({ unit: w.school, end: null }), reason: 'class-dates-missing' },
    { name: 'not started and no teacher', build: (w) => w.b.class({ unit: w.school, start: day(15) }), reason: 'class-not-started' },
    { name: 'ended and no teacher', build: (w) => w.b.class({ unit: w.school, start: '2025-08-18', end: day(-1) }), reason: 'class-ended' },
  ];
  it.each(table(cases, (c) => `${c.name} → ${c.reason}`))('%s', (_, { build, reason }) => {
    const w = world();
    const id = build(w);
    expect(groupOf(run(w.b), id).reason).toBe(reason);
  });
});

describe('activity: selected, cancelled, start, end, school, link, teacher', () => {
  const cases: PrecedenceCase[] = [
    { name: 'not selected and cancelled', build: (w) => w.b.activity({ unit: w.school, notes: null, cancelled: true, classes: [w.cls], teachers: [w.teacher] }), reason: 'activity-not-selected' },
    { name: 'cancelled and start missing', build: (w) => w.b.activity({ unit: w.school, cancelled: true, start: null, classes: [w.cls], teachers: [w.teacher] }), reason: 'activity-cancelled' },
    { name: 'start missing and at a school not configured', build: (w) => w.b.activity({ unit: w.other, start: null, classes: [w.cls], teachers: [w.teacher] }), reason: 'activity-start-missing' },
    { name: 'ended and at a school not configured', build: (w) => w.b.activity({ unit: w.other, end: day(-1), classes: [w.cls], teachers: [w.teacher] }), reason: 'activity-ended' },
    { name: 'at a school not configured and no class or group', build: (w) => w.b.activity({ unit: w.other, teachers: [w.teacher] }), reason: 'activity-school-not-included' },
    { name: 'no class or group and no teacher', build: (w) => w.b.activity({ unit: w.school }), reason: 'activity-no-active-class-or-group' },
  ];
  it.each(table(cases, (c) => `${c.name} → ${c.reason}`))('%s', (_, { build, reason }) => {
    const w = world();
    const id = build(w);
    expect(groupOf(run(w.b), id).reason).toBe(reason);
  });
});
