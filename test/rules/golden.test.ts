/**
 * The rules' behaviour on the generated municipalities is what it was when the
 * golden files were written (before decide() was split by rule, issue 15):
 * the same roster (snapshot content hash), the same decisions (every check
 * text) and the same `explain` answers, on small, medium and large.
 * test/rules/golden/record.ts says how.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CASES, explainFile, LARGE, record, recordFile } from './golden/record';

describe('the rules give what the golden files hold', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const { record: now, explain } = await record(c);
    const golden = JSON.parse(readFileSync(recordFile(c), 'utf8'));
    if (c.keepExplain && existsSync(explainFile(c))) expect(explain).toBe(readFileSync(explainFile(c), 'utf8'));
    expect(now).toEqual(golden);
  }, 60_000);

  // The largest: rows from the generator in memory, explain by GUID, personnummer and group id (test/rules/golden/record.ts).
  it('large', async () => {
    const { record: now } = await record(LARGE);
    expect(now).toEqual(JSON.parse(readFileSync(recordFile(LARGE), 'utf8')));
  }, 300_000);
});
