import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT_CODE_MEANINGS, ExitCode, type ExitCodeName } from '../../src/errors';
import { CONTRACT, QUERY_NAMES } from '../../src/extract/contract';
import { REASONS, type Reason } from '../../src/decide/reasons';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** The lines between `<!-- NAME:start` and `<!-- NAME:end -->`. */
function block(text: string, name: string): string[] {
  const start = text.indexOf(`<!-- ${name}:start`);
  const end = text.indexOf(`<!-- ${name}:end -->`);
  expect(start, `${name} block`).toBeGreaterThan(-1);
  return text.slice(text.indexOf('\n', start) + 1, end).trim().split('\n');
}

describe('docs stay in step with the code', () => {
  it('procapita-schema.md lists the column contract exactly', () => {
    const expected = [
      '| query | default table | columns |',
      '|---|---|---|',
      ...QUERY_NAMES.map((q) => {
        const cols = Object.entries(CONTRACT[q].columns).map(([c, t]) => `\`${c}\` ${t}`);
        return `| \`${q}\` | \`${CONTRACT[q].table}\` | ${cols.join(', ')} |`;
      }),
    ];
    expect(block(read('docs/procapita-schema.md'), 'contract')).toEqual(expected);
  });

  it('procapita-schema.md defines every contract table and column in its CREATE TABLE statements', () => {
    const doc = read('docs/procapita-schema.md');
    for (const q of QUERY_NAMES) {
      const table = CONTRACT[q].table;
      const match = new RegExp(`CREATE TABLE ${table} \\(([\\s\\S]*?)\\n\\);`).exec(doc);
      expect(match, table).not.toBeNull();
      for (const column of Object.keys(CONTRACT[q].columns)) expect(match![1], `${table}.${column}`).toMatch(new RegExp(`^\\s+${column}\\s`, 'm'));
    }
  });

  it('procapita-schema.md shows the same DDL the TDS test server builds its database from', () => {
    const doc = read('docs/procapita-schema.md');
    const start = doc.indexOf('```sql\n') + '```sql\n'.length;
    expect(doc.slice(start, doc.indexOf('```', start))).toBe(read('test/tds/procapita-model.sql'));
  });

  it('rules.md lists every reason code with its meaning', () => {
    const expected = ['| code | meaning |', '|---|---|', ...(Object.keys(REASONS) as Reason[]).map((r) => `| \`${r}\` | ${REASONS[r]} |`)];
    expect(block(read('docs/rules.md'), 'reasons')).toEqual(expected);
  });

  it('exit-codes.md lists every exit code, by number and name', () => {
    const rows = block(read('docs/exit-codes.md'), 'exit-codes').slice(2);
    const documented = rows.map((r) => r.split('|').map((c) => c.trim()).slice(1, 3));
    expect(documented).toEqual((Object.keys(ExitCode) as ExitCodeName[]).map((n) => [String(ExitCode[n]), n]));
    expect(Object.keys(EXIT_CODE_MEANINGS)).toEqual(Object.keys(ExitCode));
  });

  it('configuration.md documents every key of the demo configuration', () => {
    const doc = read('docs/configuration.md');
    const keys = (value: unknown, prefix: string): string[] =>
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k))
        : Array.isArray(value)
          ? keys(value[0], `${prefix}[]`)
          : [prefix];
    for (const key of keys(JSON.parse(read('assets/demo/config.json')), '')) expect(doc).toContain(`\`${key}\``);
  });

  it('README opens with the demo command and the full test command, and .ci/run runs the latter', () => {
    const readme = read('README.md');
    const commands = /```sh\n(.*)\n(.*)\n```/.exec(readme)!;
    expect(readme.indexOf('```sh')).toBeLessThan(readme.indexOf('\n## '));
    expect(commands[1]).toMatch(/^npm ci && npm run demo\s/);
    const testCommand = commands[2]!.replace(/\s+#.*$/, '');
    expect(testCommand).toBe('npm ci && npm run test:all');
    expect(read('.ci/run')).toContain(`\n${testCommand}\n`);
  });
});
