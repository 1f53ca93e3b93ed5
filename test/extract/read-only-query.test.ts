import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors';
import { checkReadOnlyQuery } from '../../src/extract/read-only-query';
import { loadQueries } from '../../src/extract/sql-source';
import { ROOT, tempDir } from '../support/cli';

const refused = (text: string) => {
  const v = checkReadOnlyQuery(text);
  return v.ok ? 'passed' : `line ${v.line}: ${v.problem}`;
};

describe('checkReadOnlyQuery: one SELECT that only reads', () => {
  it('passes every default query in assets/queries, unchanged', () => {
    const dir = join(ROOT, 'assets/queries');
    const files = readdirSync(dir).filter((f) => f.endsWith('.sql'));
    expect(files).toHaveLength(13);
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      expect(checkReadOnlyQuery(text), f).toEqual({ ok: true, statement: text });
    }
  });

  it.each([
    ['keywords inside strings', "SELECT 'DELETE FROM person; DROP TABLE person' AS note, 'it''s; EXEC x' AS b FROM person"],
    ["keywords inside N'…' strings", "SELECT N'Åsa; INSERT INTO x' AS a FROM person WHERE family_name <> N'; UPDATE'"],
    ['keywords inside [names], with ]] escapes', 'SELECT [update], [my]]delete; drop] AS [exec] FROM [set]'],
    ['keywords inside "names"', 'SELECT "insert", "a""; truncate" FROM "exec"'],
    ['keywords inside -- comments', 'SELECT person_id -- DELETE FROM person; DROP TABLE x\nFROM person'],
    ['keywords inside nested /* */ comments', 'SELECT person_id /* outer /* DELETE; */ still a comment; EXEC sp_who */ FROM person'],
    ['a comment that hides nothing', '/* the site\'s own query */\n-- persons\nSELECT person_id FROM person -- the end'],
    ['words that only contain a keyword', 'SELECT end_date, set_id, updated_at, insert_by, @history_from AS h, #x.a FROM person WHERE n >= 1e5 AND m = 0x1F'],
    ['WITH … SELECT', 'WITH current_staff AS (SELECT person_id FROM employment WHERE end_date IS NULL)\nSELECT p.person_id FROM person p JOIN current_staff c ON c.person_id = p.person_id'],
    ['lower case, a BOM and CRLF', '\uFEFFselect person_id\r\nfrom person\r\n'],
  ])('%s: passes', (_, text) => {
    expect(refused(text)).toBe('passed');
  });

  it('a trailing semicolon, with more semicolons and comments after it: passes, and the statement ends before it', () => {
    expect(checkReadOnlyQuery('SELECT person_id FROM person;\n;; -- done\n/* end */\n')).toEqual({ ok: true, statement: 'SELECT person_id FROM person' });
  });

  it.each([
    ['the wrapper escape from the issue', 'SELECT person_id FROM person\n) AS x; DELETE FROM person; SELECT * FROM (\nSELECT person_id FROM person', 'line 2: holds a second statement after a semicolon'],
    [';DELETE', 'SELECT person_id FROM person;DELETE FROM person', 'line 1: holds a second statement after a semicolon'],
    ['a second SELECT after a semicolon', 'SELECT a FROM t;\n\nSELECT b FROM u', 'line 3: holds a second statement after a semicolon'],
    ['a second statement without a semicolon', 'SELECT a FROM t\nDELETE FROM t', 'line 2: has the keyword DELETE, which a query that only reads never needs'],
    ['SELECT … INTO', 'SELECT a\nINTO #copy\nFROM t', 'line 2: has the keyword INTO, which a query that only reads never needs'],
    ['WITH … DELETE', 'WITH x AS (SELECT a FROM t) delete FROM x', 'line 1: has the keyword DELETE, which a query that only reads never needs'],
    ['WITH … MERGE', 'WITH x AS (SELECT a FROM t) MERGE t USING x ON 1 = 1 WHEN MATCHED THEN DELETE;', 'line 1: has the keyword MERGE, which a query that only reads never needs'],
    ['OPENROWSET', "SELECT a FROM OPENROWSET('SQLNCLI', 'Server=x', 'SELECT 1')", 'line 1: has the keyword OPENROWSET, which a query that only reads never needs'],
    ['EXEC first', 'EXEC sp_who', 'line 1: does not begin with SELECT or WITH'],
    ['a leading parenthesis', '(SELECT a FROM t)', 'line 1: does not begin with SELECT or WITH'],
    ['a leading procedure name', "\n\nsp_configure 'show advanced options', 1", 'line 3: does not begin with SELECT or WITH'],
    ['only comments', '-- nothing here\n/* nor here */', 'line 1: holds no statement'],
    ['an empty file', '', 'line 1: holds no statement'],
    ['a string never closed', "SELECT a\nFROM t\nWHERE b = 'x; DELETE FROM t", "line 3: has a string that is never closed"],
    ["an N'…' string never closed", "SELECT N'x", 'line 1: has a string that is never closed'],
    ['a comment never closed', 'SELECT a /* one\n/* two */\nFROM t', 'line 1: has a /* comment */ that is never closed'],
    ['a [name] never closed', 'SELECT [a]] FROM t', 'line 1: has a [name] that is never closed'],
    ['a "name" never closed', 'SELECT a\nFROM "t', 'line 2: has a "name" that is never closed'],
    ['a number run into a keyword', 'SELECT 1DELETE FROM t', 'line 1: has a number joined to a word; put a space between them'],
    ['a -- comment ended by a lone CR', 'SELECT a FROM t --\rDELETE FROM t', 'line 2: has the keyword DELETE, which a query that only reads never needs'],
    ['WAITFOR after a semicolon', "SELECT a FROM t; WAITFOR DELAY '00:10'", 'line 1: holds a second statement after a semicolon'],
    ['COMMIT', 'SELECT a FROM t COMMIT', 'line 1: has the keyword COMMIT, which a query that only reads never needs'],
  ])('%s: refused', (_, text, problem) => {
    expect(refused(text)).toBe(problem);
  });
});

describe('loadQueries refuses a query file that does more than read, before any connection', () => {
  it('names the query, the file and the line, and never quotes the file', async () => {
    const file = join(tempDir(), 'persons.sql');
    writeFileSync(file, "SELECT person_id, 'Sven Svensson 20130707-0308' AS x FROM person\n) AS x; DELETE FROM person; SELECT * FROM (\nSELECT 1");
    const err = await loadQueries({ persons: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('config');
    expect((err as AppError).message).toBe(
      `Query persons (${file}), line 2: the file holds a second statement after a semicolon. A query file holds exactly one SELECT statement (or WITH … SELECT) and nothing that writes or runs code (see \`procapita-sync help procapita-schema\`). Check source.queries.persons in the configuration.`,
    );
    expect((err as AppError).message).not.toMatch(/Sven|20130707|DELETE/);
  });
});
