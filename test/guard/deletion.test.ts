import { describe, expect, it } from 'vitest';
import { parseConfig, REMOVAL_KINDS, type RemovalKind, type RemovalLimit, type RuleConfig } from '../../src/configure/config';
import type { Role } from '../../src/decide/decide';
import type { RosterGroup, RosterPerson, RosterSchool } from '../../src/decide/roster';
import { toSnapshot } from '../../src/deliver/snapshot';
import { toManifest, type Manifest } from '../../src/guard/baseline';
import { checkRemovals } from '../../src/guard/deletion';

/**
 * The deletion guard on hand-made rosters: every number in a reason below is
 * counted by hand from the roster the test builds.
 */

interface Content {
  schools: RosterSchool[];
  persons: RosterPerson[];
  groups: RosterGroup[];
}

const U = 'unit-krsk';
const KRSK = (forms: string[] = ['GR']): RosterSchool => ({ id: U, code: 'KRSK', name: 'Krokslätts skola', schoolForms: forms });
const CONFIGURED: RuleConfig['schools'] = [{ unitCode: 'KRSK', schoolForm: 'GR' }];

const person = (id: string, roles: Role[]): RosterPerson => ({ id, roles, givenName: 'Förnamn', familyName: 'Efternamn', email: null, schoolIds: [U] });
const group = (id: string, kind: 'class' | 'teaching', teacherIds: string[], studentIds: string[], schoolForm = 'GR'): RosterGroup => ({
  id,
  kind,
  name: `${kind === 'class' ? 'Klass' : 'Grupp'} ${id}`,
  schoolId: U,
  schoolForm,
  startDate: '2026-08-17',
  endDate: '2027-06-11',
  teacherIds,
  studentIds,
});

/** `n` students at KRSK GR in classes of `classSize`, each class with a teacher of its own. */
function school(n: number, classSize = 100): Content {
  const persons: RosterPerson[] = [];
  const groups: RosterGroup[] = [];
  for (let c = 0; c * classSize < n; c++) {
    const teacher = `t${c}`;
    persons.push(person(teacher, ['staff']));
    const students = Array.from({ length: Math.min(classSize, n - c * classSize) }, (_, i) => `s${c * classSize + i}`);
    persons.push(...students.map((id) => person(id, ['student'])));
    groups.push(group(`c${c}`, 'class', [teacher], students));
  }
  return { schools: [KRSK()], persons, groups };
}

/** The roster without these students: gone as persons and as class members. */
function without(c: Content, k: number): Content {
  const gone = new Set(Array.from({ length: k }, (_, i) => `s${i}`));
  return {
    ...c,
    persons: c.persons.filter((p) => !gone.has(p.id)),
    groups: c.groups.map((g) => ({ ...g, studentIds: g.studentIds.filter((id) => !gone.has(id)) })),
  };
}

const ACCEPTED_AT = new Date('2026-08-31T02:00:00Z');
function baselineOf(c: Content): Manifest {
  return toManifest(toSnapshot({ syncDate: '2026-08-31', ...c }, '0.1.0', ACCEPTED_AT), ACCEPTED_AT, null);
}

/** Guard limits exactly as the configuration file gives them. */
function limitsFrom(guard?: unknown): Record<RemovalKind, RemovalLimit> {
  const file = { source: { type: 'fixture', path: 'municipality.json' }, schools: CONFIGURED, ...(guard === undefined ? {} : { guard }) };
  return parseConfig(file, '/etc/procapita-sync/config.json', { stateDir: '/state', logDir: '/logs' }).guard.limits;
}
const DEFAULT = limitsFrom();
const NONE = Object.fromEntries(REMOVAL_KINDS.map((k) => [k, { percent: null, count: null }])) as Record<RemovalKind, RemovalLimit>;

const FIRST_RUN = 'First run: there is no accepted snapshot to compare with, so removals are not counted.';
const EMPTY = 'the snapshot is empty: no person would remain';
const notInSnapshot = (...keys: string[]) =>
  `Configured school${keys.length > 1 ? 's' : ''} ${keys.join(', ')} ${keys.length > 1 ? 'are' : 'is'} not in the snapshot: not active in ProCapita on the sync date, or an unknown code (explain shows which).`;

describe('limits from the configuration', () => {
  it('default to more than 10 % or more than 500, for every kind', () => {
    expect(DEFAULT).toEqual({
      students: { percent: 10, count: 500 },
      staff: { percent: 10, count: 500 },
      classes: { percent: 10, count: 500 },
      teachingGroups: { percent: 10, count: 500 },
      memberships: { percent: 10, count: 500 },
    });
  });

  it('take a per-kind override over maxRemovals, half by half', () => {
    expect(limitsFrom({ maxRemovals: { percent: 20, count: 5 }, maxRemovalsByKind: { memberships: { count: null }, staff: { percent: 0 } } })).toEqual({
      students: { percent: 20, count: 5 },
      staff: { percent: 0, count: 5 },
      classes: { percent: 20, count: 5 },
      teachingGroups: { percent: 20, count: 5 },
      memberships: { percent: 20, count: null },
    });
  });
});

describe('first run', () => {
  it('passes with the "First run" note and counts nothing as removed', () => {
    const next = school(100);
    const v = checkRemovals(next, null, DEFAULT, CONFIGURED);
    expect(v.decision).toBe('pass');
    expect(v.reasons).toEqual([]);
    expect(v.notes).toEqual([FIRST_RUN]);
    expect(v.baseline).toBeNull();
    expect(v.changes.students).toEqual({ before: null, after: 100, added: 100, removed: 0, limit: { percent: 10, count: 500 }, exceeded: false });
    expect(v.changes.memberships).toEqual({ before: null, after: 101, added: 101, removed: 0, limit: { percent: 10, count: 500 }, exceeded: false });
    expect(v.removals).toEqual({ persons: [], groups: [], memberships: [] });
  });
});

describe('the limits are exclusive: held only for more than the limit', () => {
  const before = school(100); // 100 students, 1 teacher, 101 memberships
  const baseline = baselineOf(before);

  it('records the baseline it compared with', () => {
    const v = checkRemovals(before, baseline, DEFAULT, CONFIGURED);
    expect(v.baseline).toEqual({ contentHash: baseline.contentHash, acceptedAt: '2026-08-31T02:00:00.000Z' });
    expect(v.baseline!.contentHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(v).toMatchObject({ decision: 'pass', reasons: [], notes: [] });
  });

  it('10 of 100 students (10 %) pass', () => {
    const v = checkRemovals(without(before, 10), baseline, DEFAULT, CONFIGURED);
    expect(v.decision).toBe('pass');
    expect(v.reasons).toEqual([]);
    expect(v.notes).toEqual([]);
    expect(v.changes.students).toEqual({ before: 100, after: 90, added: 0, removed: 10, limit: { percent: 10, count: 500 }, exceeded: false });
  });

  it('11 of 100 students (11 %) are held, and so are their 11 of 101 memberships', () => {
    const v = checkRemovals(without(before, 11), baseline, DEFAULT, CONFIGURED);
    expect(v.decision).toBe('hold');
    expect(v.reasons).toEqual([
      '11 of 100 students would be removed (11.0 %); the limit is 10 % or 500',
      '11 of 101 memberships would be removed (10.9 %); the limit is 10 % or 500',
    ]);
    expect(v.changes.students.exceeded).toBe(true);
    expect(v.changes.staff).toEqual({ before: 1, after: 1, added: 0, removed: 0, limit: { percent: 10, count: 500 }, exceeded: false });
    expect(v.removals.persons).toEqual(Array.from({ length: 11 }, (_, i) => ({ id: `s${i}`, role: 'student', schoolIds: [U] })));
  });

  describe('the count limit', () => {
    const big = school(100_000, 1000); // 100 000 students and 100 teachers in 100 classes: 100 100 memberships
    const bigBaseline = baselineOf(big);

    it('500 of 100 000 (0.5 %) pass', () => {
      const v = checkRemovals(without(big, 500), bigBaseline, DEFAULT, CONFIGURED);
      expect(v.decision).toBe('pass');
      expect(v.changes.students.removed).toBe(500);
    });

    it('501 of 100 000 are held although they are only 0.5 %', () => {
      const v = checkRemovals(without(big, 501), bigBaseline, DEFAULT, CONFIGURED);
      expect(v.decision).toBe('hold');
      expect(v.reasons).toEqual([
        '501 of 100000 students would be removed (0.5 %); the limit is 10 % or 500',
        '501 of 100100 memberships would be removed (0.5 %); the limit is 10 % or 500',
      ]);
    });

    it('null switches the percent half off: 11 of 100 pass, 501 of 100 000 are still held', () => {
      const countOnly = limitsFrom({ maxRemovals: { percent: null } });
      expect(countOnly.students).toEqual({ percent: null, count: 500 });
      expect(checkRemovals(without(before, 11), baseline, countOnly, CONFIGURED).decision).toBe('pass');
      expect(checkRemovals(without(big, 501), bigBaseline, countOnly, CONFIGURED).reasons).toEqual([
        '501 of 100000 students would be removed (0.5 %); the limit is 500',
        '501 of 100100 memberships would be removed (0.5 %); the limit is 500',
      ]);
    });

    it('null switches the count half off: 501 of 100 000 pass, 11 of 100 are still held', () => {
      const percentOnly = limitsFrom({ maxRemovals: { count: null } });
      expect(percentOnly.students).toEqual({ percent: 10, count: null });
      expect(checkRemovals(without(big, 501), bigBaseline, percentOnly, CONFIGURED).decision).toBe('pass');
      expect(checkRemovals(without(before, 11), baseline, percentOnly, CONFIGURED).reasons).toEqual([
        '11 of 100 students would be removed (11.0 %); the limit is 10 %',
        '11 of 101 memberships would be removed (10.9 %); the limit is 10 %',
      ]);
    });
  });

  it('both halves null: 99 of 100 students pass', () => {
    const off = limitsFrom({ maxRemovals: { percent: null, count: null } });
    const v = checkRemovals(without(before, 99), baseline, off, CONFIGURED);
    expect(v.decision).toBe('pass');
    expect(v.changes.students).toMatchObject({ removed: 99, limit: { percent: null, count: null }, exceeded: false });
  });

  it('a per-kind override applies to its kind only (maxRemovalsByKind.memberships)', () => {
    const limits = limitsFrom({ maxRemovalsByKind: { memberships: { percent: 50 } } });
    expect(limits.memberships).toEqual({ percent: 50, count: 500 });
    expect(limits.students).toEqual({ percent: 10, count: 500 });
    const v = checkRemovals(without(before, 11), baseline, limits, CONFIGURED);
    expect(v.reasons).toEqual(['11 of 100 students would be removed (11.0 %); the limit is 10 % or 500']);
    expect(v.changes.memberships).toEqual({ before: 101, after: 90, added: 0, removed: 11, limit: { percent: 50, count: 500 }, exceeded: false });
  });

  it('a per-kind count override holds its kind on its own', () => {
    const limits = limitsFrom({ maxRemovals: { percent: 20, count: 5 }, maxRemovalsByKind: { memberships: { count: null } } });
    expect(checkRemovals(without(before, 5), baseline, limits, CONFIGURED).decision).toBe('pass');
    expect(checkRemovals(without(before, 6), baseline, limits, CONFIGURED).reasons).toEqual(['6 of 100 students would be removed (6.0 %); the limit is 20 % or 5']);
  });
});

describe('each kind is counted on its own', () => {
  // T1, T2 teach; X is staff and student; S1–S4 are students.
  const before: Content = {
    schools: [KRSK()],
    persons: [person('T1', ['staff']), person('T2', ['staff']), person('X', ['student', 'staff']), person('S1', ['student']), person('S2', ['student']), person('S3', ['student']), person('S4', ['student'])],
    groups: [
      group('C1', 'class', ['T1'], ['S1', 'S2', 'X']),
      group('C2', 'class', ['T2'], ['S3', 'S4']),
      group('G1', 'teaching', ['T1'], ['S1', 'S3']),
      group('G2', 'teaching', ['T2'], ['S2', 'S4']),
    ],
  };
  // X keeps only the staff role; S4 and T2 leave; G2 ends; T1 takes over C2; S5 joins C1.
  const after: Content = {
    schools: [KRSK()],
    persons: [person('T1', ['staff']), person('X', ['staff']), person('S1', ['student']), person('S2', ['student']), person('S3', ['student']), person('S5', ['student'])],
    groups: [group('C1', 'class', ['T1'], ['S1', 'S2', 'S5']), group('C2', 'class', ['T1'], ['S3']), group('G1', 'teaching', ['T1'], ['S1', 'S3'])],
  };
  const baseline = baselineOf(before);

  it('counts students, staff, classes, teaching groups and memberships separately; losing the student role is a student removal', () => {
    const v = checkRemovals(after, baseline, NONE, CONFIGURED);
    expect(v.decision).toBe('pass');
    const none = { percent: null, count: null };
    expect(v.changes).toEqual({
      students: { before: 5, after: 4, added: 1, removed: 2, limit: none, exceeded: false },
      staff: { before: 3, after: 2, added: 0, removed: 1, limit: none, exceeded: false },
      classes: { before: 2, after: 2, added: 0, removed: 0, limit: none, exceeded: false },
      teachingGroups: { before: 2, after: 1, added: 0, removed: 1, limit: none, exceeded: false },
      memberships: { before: 13, after: 9, added: 2, removed: 6, limit: none, exceeded: false },
    });
    expect(v.removals.persons).toEqual([
      { id: 'X', role: 'student', schoolIds: [U] },
      { id: 'S4', role: 'student', schoolIds: [U] },
      { id: 'T2', role: 'staff', schoolIds: [U] },
    ]);
    expect(v.removals.groups).toEqual([{ id: 'G2', kind: 'teaching', name: 'Grupp G2', schoolId: U }]);
    expect(v.removals.memberships).toEqual([
      { groupId: 'C1', personId: 'X', role: 'student', schoolId: U },
      { groupId: 'C2', personId: 'T2', role: 'teacher', schoolId: U },
      { groupId: 'C2', personId: 'S4', role: 'student', schoolId: U },
      { groupId: 'G2', personId: 'T2', role: 'teacher', schoolId: U },
      { groupId: 'G2', personId: 'S2', role: 'student', schoolId: U },
      { groupId: 'G2', personId: 'S4', role: 'student', schoolId: U },
    ]);
  });

  it('at the default limits, gives one reason per kind that exceeds its limit', () => {
    const v = checkRemovals(after, baseline, DEFAULT, CONFIGURED);
    expect(v.decision).toBe('hold');
    expect(v.reasons).toEqual([
      '2 of 5 students would be removed (40.0 %); the limit is 10 % or 500',
      '1 of 3 staff would be removed (33.3 %); the limit is 10 % or 500',
      '1 of 2 teaching groups would be removed (50.0 %); the limit is 10 % or 500',
      '6 of 13 memberships would be removed (46.2 %); the limit is 10 % or 500',
    ]);
    expect(v.changes.classes.exceeded).toBe(false);
  });

  it('a person who only loses the student role is no staff removal', () => {
    const roleOnly: Content = {
      ...before,
      persons: before.persons.map((p) => (p.id === 'X' ? { ...p, roles: ['staff'] } : p)),
      groups: before.groups.map((g) => ({ ...g, studentIds: g.studentIds.filter((id) => id !== 'X') })),
    };
    const v = checkRemovals(roleOnly, baseline, NONE, CONFIGURED);
    expect(v.changes.students).toMatchObject({ before: 5, after: 4, removed: 1 });
    expect(v.changes.staff).toMatchObject({ before: 3, after: 3, removed: 0 });
    expect(v.removals.persons).toEqual([{ id: 'X', role: 'student', schoolIds: [U] }]);
  });
});

describe('an empty snapshot is always held', () => {
  const empty: Content = { schools: [], persons: [], groups: [] };

  it('on the first run too', () => {
    const v = checkRemovals(empty, null, DEFAULT, CONFIGURED);
    expect(v.decision).toBe('hold');
    expect(v.reasons).toEqual([EMPTY]);
    expect(v.notes).toEqual([FIRST_RUN, notInSnapshot('KRSK/GR')]);
  });

  it('with every limit switched off', () => {
    const v = checkRemovals(empty, baselineOf(school(100)), NONE, CONFIGURED);
    expect(v.decision).toBe('hold');
    expect(v.reasons).toEqual([EMPTY]);
    expect(v.notes).toEqual([notInSnapshot('KRSK/GR')]);
  });

  it('with the school still in it', () => {
    const v = checkRemovals({ schools: [KRSK()], persons: [], groups: [] }, baselineOf(school(100)), NONE, CONFIGURED);
    expect(v.reasons).toEqual([EMPTY, 'configured school KRSK/GR has no students (it had 100)']);
  });
});

describe('configured schools', () => {
  const staffOnly: Content = { schools: [KRSK()], persons: [person('t0', ['staff'])], groups: [group('c0', 'class', ['t0'], [])] };

  it('a configured school in the snapshot with no students is held on the first run', () => {
    const v = checkRemovals(staffOnly, null, DEFAULT, CONFIGURED);
    expect(v.decision).toBe('hold');
    expect(v.reasons).toEqual(['configured school KRSK/GR has no students']);
    expect(v.notes).toEqual([FIRST_RUN]);
  });

  it('… and says how many it had when the baseline had students', () => {
    const v = checkRemovals(staffOnly, baselineOf(school(100)), NONE, CONFIGURED);
    expect(v.decision).toBe('hold');
    expect(v.reasons).toEqual(['configured school KRSK/GR has no students (it had 100)']);
    expect(v.notes).toEqual([]);
  });

  it('a school that had no students in the baseline either gets only a note', () => {
    const v = checkRemovals(staffOnly, baselineOf(staffOnly), DEFAULT, CONFIGURED);
    expect(v.decision).toBe('pass');
    expect(v.reasons).toEqual([]);
    expect(v.notes).toEqual(['School KRSK/GR has no students, as in the last accepted snapshot.']);
  });

  it('counts per school form: a second form without students is held, or noted when it had none before', () => {
    const twoForms = [...CONFIGURED, { unitCode: 'KRSK', schoolForm: 'F' }];
    const withF = { ...school(100), schools: [KRSK(['F', 'GR'])] };
    expect(checkRemovals(withF, null, DEFAULT, twoForms).reasons).toEqual(['configured school KRSK/F has no students']);
    const again = checkRemovals(withF, baselineOf(withF), DEFAULT, twoForms);
    expect(again.decision).toBe('pass');
    expect(again.notes).toEqual(['School KRSK/F has no students, as in the last accepted snapshot.']);
  });

  it("a school configured in another case than ProCapita's code is the same school: no false note, and its zero-student hold fires", () => {
    const lower = [{ unitCode: 'krsk', schoolForm: 'GR' }];
    // With students: nothing to say, and no "not in the snapshot" note.
    const full = checkRemovals(school(100), baselineOf(school(100)), DEFAULT, lower);
    expect(full.decision).toBe('pass');
    expect(full.notes).toEqual([]);
    // Without students: held, as for "KRSK", and named as the admin wrote it.
    const v = checkRemovals(staffOnly, baselineOf(school(100)), NONE, [{ unitCode: 'Krsk', schoolForm: 'GR' }]);
    expect(v.decision).toBe('hold');
    expect(v.reasons).toEqual(['configured school Krsk/GR has no students (it had 100)']);
    expect(v.notes).toEqual([]);
    // The baseline's code in lower case (ProCapita renamed it): the count before is still found.
    const renamed = { ...school(100), schools: [{ ...KRSK(), code: 'krsk' }] };
    expect(checkRemovals(staffOnly, baselineOf(renamed), NONE, CONFIGURED).reasons).toEqual(['configured school KRSK/GR has no students (it had 100)']);
    expect(checkRemovals(staffOnly, baselineOf(staffOnly), DEFAULT, lower).notes).toEqual(['School krsk/GR has no students, as in the last accepted snapshot.']);
  });

  it('a configured school that is not in the snapshot gets only a note', () => {
    const configured = [...CONFIGURED, { unitCode: 'GMSK', schoolForm: 'GR' }, { unitCode: 'KRSK', schoolForm: 'GY' }];
    const first = checkRemovals(school(100), null, DEFAULT, configured);
    expect(first.decision).toBe('pass');
    expect(first.reasons).toEqual([]);
    expect(first.notes).toEqual([FIRST_RUN, notInSnapshot('GMSK/GR', 'KRSK/GY')]);
    const later = checkRemovals(school(100), baselineOf(school(100)), DEFAULT, configured);
    expect(later.decision).toBe('pass');
    expect(later.notes).toEqual([notInSnapshot('GMSK/GR', 'KRSK/GY')]);
  });
});

describe('the share in a reason', () => {
  it('shows two decimals where one would round onto the limit', () => {
    // 1004 of 10000 students: 10.04 %, over a 10 % limit.
    const ids = Array.from({ length: 10_000 }, (_, i) => `s${i}`);
    const person = (id: string) => ({ id, roles: ['student'] as const, schoolIds: ['U1'] });
    const base = { formatVersion: 1 as const, contentHash: `sha256:${'0'.repeat(64)}`, syncDate: '2026-09-01', acceptedAt: '2026-09-01T01:00:00.000Z', importId: null, schools: [], persons: ids.map(person), groups: [] };
    const next = { schools: [], persons: ids.slice(1004).map((id) => ({ ...person(id), roles: ['student' as const], givenName: '', familyName: '', email: null })), groups: [] };
    const v = checkRemovals(next, base, { students: { percent: 10, count: null }, staff: { percent: 10, count: null }, classes: { percent: 10, count: null }, teachingGroups: { percent: 10, count: null }, memberships: { percent: 10, count: null } }, []);
    expect(v.reasons).toEqual(['1004 of 10000 students would be removed (10.04 %); the limit is 10 %']);
  });
});
