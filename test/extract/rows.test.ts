import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors';
import { addDays, isCalendarDate, parseCalendarDate } from '../../src/calendar-date';
import { syncDate } from '../../src/cli/date-option';
import { toContractRows } from '../../src/extract/rows';
import { parsePersonalNumber } from '../../src/personal-number';
import { parseJson } from '../../src/json-file';
import { ours } from '../../src/safe-text';

const person = {
  person_id: 'ABCDEF00-1111-4222-8333-444455556666',
  given_name: 'Anna',
  family_name: 'Svensson',
  personal_number: '201003151234',
  email: null,
  protected_identity: 0,
  deregistered: 0,
  deceased: false,
  extra_column: 'ignored',
};

function failure(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected a failure');
}

describe('contract rows', () => {
  it('projects onto the contract columns: ids lower-cased, bits from 0/1, extra columns dropped', () => {
    expect(toContractRows('persons', [person], ours('test'))).toEqual([
      { person_id: 'abcdef00-1111-4222-8333-444455556666', given_name: 'Anna', family_name: 'Svensson', personal_number: '201003151234', email: null, protected_identity: 0, deregistered: false, deceased: false },
    ]);
  });

  it('takes the UTC-midnight Date objects mssql returns for DATE columns', () => {
    const [row] = toContractRows('classPlacements', [{ placement_id: 7, person_id: 'p', class_id: 'c', start_date: new Date(Date.UTC(2026, 7, 17)), end_date: null }], ours('test'));
    expect(row).toEqual({ placement_id: '7', person_id: 'p', class_id: 'c', start_date: '2026-08-17', end_date: null });
  });

  it.each([
    [{ ...person, deceased: 2 }, 'test, row 1, column deceased: expected a bit (true/false or 0/1) (found number)'],
    [{ ...person, protected_identity: 1.5 }, 'test, row 1, column protected_identity: expected a whole number (found number)'],
    [{ ...person, person_id: null }, 'test, row 1, column person_id: expected a value (NULL is not allowed)'],
    [{ ...person, given_name: 201003151234 }, 'test, row 1, column given_name: expected text (found number)'],
  ])('refuses a wrong type with exit code 5: %j', (row, message) => {
    const err = failure(() => toContractRows('persons', [row], ours('test')));
    expect(err.exitCode).toBe(5);
    expect(err.message).toBe(message);
  });

  it('refuses an impossible date', () => {
    const err = failure(() => toContractRows('classes', [{ class_id: 'c', unit_id: 'u', school_form: 'GR', name: '7B', start_date: '2026-02-30', end_date: null }], ours('test')));
    expect(err.message).toBe('test, row 1, column start_date: expected a date YYYY-MM-DD from 0001-01-01 to 9999-12-31 (found text that is not a calendar date)');
  });

});

/** A Date at UTC midnight of that day, built without Date.UTC (which maps the years 0-99 to 19xx), as tedious builds them. */
function utcDate(y: number, m: number, d: number): Date {
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d);
  return t;
}

describe('one date parser: SQL Server date range, 0001-01-01 to 9999-12-31, from text and from Date objects alike', () => {
  it.each([
    ['0001-01-01', true],
    ['0050-06-15', true],
    ['0099-12-31', true],
    ['0100-01-01', true],
    ['9999-12-31', true],
    ['0000-01-01', false],
    ['0000-12-31', false],
    ['10000-01-01', false],
    ['2024-02-29', true],
    ['2023-02-29', false],
    ['1900-02-29', false],
    ['2000-02-29', true],
    ['0004-02-29', true],
    ['0100-02-29', false],
    ['2026-04-31', false],
    ['2026-00-10', false],
    ['2026-01-00', false],
    ['2026-08-20', true],
    ['2026-13-01', false],
    ['2026-8-20', false],
    ['20260820', false],
  ])('%s: accepted is %s', (text, accepted) => {
    expect(isCalendarDate(text)).toBe(accepted);
    expect(parseCalendarDate(text)).toBe(accepted ? text : undefined);
    const [y, m, d] = text.split('-').map(Number) as [number, number, number];
    // The same day as a Date object (mssql's form): the same answer. An impossible day rolls over in a Date, so only real ones are compared.
    if (accepted) expect(parseCalendarDate(utcDate(y, m, d))).toBe(text);
    const row = { class_id: 'c', unit_id: 'u', school_form: 'GR', name: '7B', start_date: text, end_date: accepted ? utcDate(y, m, d) : null };
    if (accepted) expect(toContractRows('classes', [row], ours('test'))[0]).toMatchObject({ start_date: text, end_date: text });
    else expect(() => toContractRows('classes', [row], ours('test'))).toThrow(/column start_date: expected a date/);
  });

  it('refuses a Date object outside the range, and an invalid one', () => {
    for (const date of [utcDate(0, 12, 31), utcDate(10000, 1, 1), utcDate(-1, 6, 1), new Date(Number.NaN)]) {
      expect(parseCalendarDate(date)).toBeUndefined();
      const row = { class_id: 'c', unit_id: 'u', school_form: 'GR', name: '7B', start_date: date, end_date: null };
      expect(() => toContractRows('classes', [row], ours('test'))).toThrow(/column start_date: expected a date/);
    }
  });

  it('--date and a personnummer go through the same parser', () => {
    const io = { now: () => new Date('2026-09-01T10:00:00Z') };
    expect(syncDate('0050-06-15', io)).toBe('0050-06-15');
    expect(syncDate('9999-12-31', io)).toBe('9999-12-31');
    for (const bad of ['0000-01-01', '10000-01-01', '2023-02-29']) expect(() => syncDate(bad, io)).toThrow(/is not a calendar date/);
    // 12 digits with the century written: the date part is checked by the same rule (2000 is a leap year, 1900 is not).
    expect(parsePersonalNumber('200002290000', '2026-09-01')).toMatchObject({ ok: false, reason: 'check digit' });
    expect(parsePersonalNumber('190002290000', '2026-09-01')).toEqual({ ok: false, reason: 'date' });
  });

  it('counts days across the early years and holds a result beyond the range at its end', () => {
    expect(addDays('0050-03-01', -1)).toBe('0050-02-28');
    expect(addDays('0048-02-28', 1)).toBe('0048-02-29');
    expect(addDays('0099-12-31', 1)).toBe('0100-01-01');
    expect(addDays('2026-09-01', 14)).toBe('2026-09-15');
    expect(addDays('9999-12-31', 14)).toBe('9999-12-31');
    expect(addDays('0001-01-01', -14)).toBe('0001-01-01');
  });
});

describe('parseJson', () => {
  it('reports line and column without quoting the text, which may hold personal data', () => {
    const err = failure(() => parseJson('{"a": "Anna 201003151234" }}', ours('File x'), 'config'));
    expect(err.exitCode).toBe(3);
    expect(err.message).toBe('File x is not valid JSON: more text after the end at line 1, column 28.');
    const err2 = failure(() => parseJson('{"name": Anna 201003151234}', ours('File y'), 'schemaMismatch'));
    // V8 would say "Unexpected token 'A', …": even one character of the text is not repeated.
    expect(err2.message).toBe('File y is not valid JSON: a character that does not belong there at line 1, column 10.');
    expect(err2.exitCode).toBe(5);
  });

  it('refuses a key twice in one object, naming its path (config) or only the lines (fixture); the same key in two objects is fine', () => {
    const text = '{\n "schools": [\n  {"unitCode": "A", "schoolForm": "GR"},\n  {"unitCode": "B",\n   "unitCode": "Anna 201003151234"}\n ],\n "a b": {"x": 1, "x": 2}\n}';
    const named = failure(() => parseJson(text, ours('Configuration c.json'), 'config', { duplicateKeys: 'name' }));
    expect(named.exitCode).toBe(3);
    expect(named.message).toBe('Configuration c.json: the key schools[1].unitCode appears twice (lines 4 and 5). JSON would silently take the last one; remove one.');
    const lined = failure(() => parseJson(text, ours('Fixture f.json'), 'schemaMismatch', { duplicateKeys: 'line' }));
    expect(lined.exitCode).toBe(5);
    expect(lined.message).toBe('Fixture f.json: a key appears twice in one object (lines 4 and 5). JSON would silently take the last one; remove one.');
    expect(failure(() => parseJson('{"a b": {"x": 1, "x": 2}}', ours('c'), 'config', { duplicateKeys: 'name' })).message).toMatch(/the key \["a b"\]\.x appears twice \(lines 1 and 1\)/);
    expect(parseJson('[{"x": 1}, {"x": 2, "y": {"x": 3}}]', ours('c'), 'config', { duplicateKeys: 'name' })).toEqual([{ x: 1 }, { x: 2, y: { x: 3 } }]);
    // Without the option (state files: written by this program), the last one wins as in JSON.parse.
    expect(parseJson('{"x": 1, "x": 2}', ours('s'), 'outputFailed')).toEqual({ x: 2 });
  });

  it('accepts a byte-order mark', () => {
    expect(parseJson('\uFEFF{"a":1}', ours('x'), 'config')).toEqual({ a: 1 });
  });
});
