import { describe, expect, it } from 'vitest';
import { unchangedSince } from '../../src/deliver/unchanged';

const HASH = `sha256:${'a'.repeat(64)}`;
const last = { contentHash: HASH, syncDate: '2026-09-01' };

describe('unchangedSince: whether tonight sends the roster', () => {
  it('holds back the last delivered snapshot for resendAfterDays − 1 sync dates after it', () => {
    expect(unchangedSince(last, HASH, '2026-09-01', 7)).toBe('2026-09-01');
    expect(unchangedSince(last, HASH, '2026-09-07', 7)).toBe('2026-09-01');
    expect(unchangedSince(last, HASH, '2026-09-08', 7)).toBeUndefined();
    expect(unchangedSince(last, HASH, '2026-12-31', 7)).toBeUndefined();
  });

  it('sends when anything differs, when there is nothing to compare with, or when it cannot tell', () => {
    expect(unchangedSince(last, `sha256:${'b'.repeat(64)}`, '2026-09-02', 7)).toBeUndefined();
    expect(unchangedSince(null, HASH, '2026-09-02', 7)).toBeUndefined();
    expect(unchangedSince({ contentHash: HASH, syncDate: null }, HASH, '2026-09-02', 7)).toBeUndefined();
    expect(unchangedSince({ contentHash: HASH, syncDate: 'yesterday' }, HASH, '2026-09-02', 7)).toBeUndefined();
    // A run for an earlier date (run by hand with --date).
    expect(unchangedSince(last, HASH, '2026-08-31', 7)).toBeUndefined();
    // 0: every night.
    expect(unchangedSince(last, HASH, '2026-09-01', 0)).toBeUndefined();
  });

  it('counts calendar days across a month, a year and a leap day', () => {
    expect(unchangedSince({ contentHash: HASH, syncDate: '2027-12-30' }, HASH, '2028-01-05', 7)).toBe('2027-12-30');
    expect(unchangedSince({ contentHash: HASH, syncDate: '2028-02-25' }, HASH, '2028-03-02', 7)).toBe('2028-02-25');
    expect(unchangedSince({ contentHash: HASH, syncDate: '2028-02-25' }, HASH, '2028-03-03', 7)).toBeUndefined();
  });
});
