/**
 * Safe text by construction (issue 13 §1), checked two ways:
 * - by the compiler: a plain string cannot be a part of safe`` (the
 *   @ts-expect-error lines below fail `npm run typecheck` if it ever can);
 * - by reading the code: ours() and given() are the two doors a string has
 *   into a message, so every call in src/ and wizard/ is read, and one whose
 *   argument mentions a data field (a name, a personnummer, an e-mail
 *   address, a row, a cell, a value) fails, unless it is on the list below
 *   with the reason it is safe.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { given, ours, safe, type SafeText } from '../../src/safe-text';
import { ROOT } from '../support/cli';

// ---- The compiler ------------------------------------------------------------------

/** A cell, as the code sees one: a plain string. */
declare const cell: string;
/** A person's name read from ProCapita. */
declare const person: { given_name: string; personal_number: string | null };

/** Never called: the compiler checks it (tsconfig includes test/). */
export function wouldNotCompile(): SafeText[] {
  return [
    // @ts-expect-error a plain string is not a safe part
    safe`found ${cell}`,
    // @ts-expect-error nor is a name from a row
    safe`person ${person.given_name}`,
    // @ts-expect-error nor a nullable personnummer
    safe`number ${person.personal_number}`,
    // @ts-expect-error nor a string built at run time
    safe`row ${`${cell}!`}`,
    // What it does accept: our words, numbers, and literals of our own.
    safe`row ${3}: ${'a literal'} ${ours('start_date')} ${given('/etc/procapita-sync/config.json')} ${true}`,
  ];
}

describe('safe``', () => {
  it('accepts safe parts, numbers and literals (the refusals above are the compiler\'s)', () => {
    expect(safe`row ${3}, column ${ours('start_date')}: not a date`).toBe('row 3, column start_date: not a date');
  });
});

// ---- The code: every ours() and given() ------------------------------------------------

export interface Call {
  readonly file: string;
  readonly line: number;
  readonly fn: 'ours' | 'given';
  readonly arg: string;
}

/** Every ours(…) and given(…) call in a text, with its whole argument (parentheses balanced). */
export function callsIn(text: string, file: string): Call[] {
  const calls: Call[] = [];
  for (const m of text.matchAll(/(?<![\w.])(ours|given)\(/g)) {
    // The definitions in safe-text.ts are not calls.
    if (/(?:const|function)\s+$/.test(text.slice(Math.max(0, m.index - 20), m.index))) continue;
    let depth = 1;
    let i = m.index + m[0].length;
    while (i < text.length && depth > 0) {
      if (text[i] === '(') depth++;
      else if (text[i] === ')') depth--;
      i++;
    }
    const arg = text.slice(m.index + m[0].length, i - 1).trim();
    calls.push({ file, line: text.slice(0, m.index).split('\n').length, fn: m[1] as Call['fn'], arg });
  }
  return calls;
}

/** What in an argument points at data: a person's fields, a row, a cell, a value, someone else's message. */
const DATA = [
  /given_name|family_name|personal_?number|pnr|email|mail\b/i,
  /\.name\b/,
  /\b(?:row|rows|person|persons|entry|entries|record|cell|cells|value|values|item|data)\b/,
  /\.message\b|\bstderr\b|\bstdout\b/,
];

/**
 * Calls that mention such a word and are safe, each with its reason. Keyed
 * by file and the argument's exact text, so a new call is read anew.
 */
export const KNOWN_SAFE: Record<string, string> = {
  'src/extract/rows.ts: typeof value': "the value's type name (string, number, object), never the value",
  'src/enrich/ad-mapping.ts: err.name': "ldapts's error class for the LDAP result code (InvalidCredentialsError), never the server's message",
  'src/enrich/ad-mapping.ts: (err as Error).message': "ldapts's parse error for email.ad.filter, a setting the admin wrote; it quotes only the filter",
  'src/configure/config.ts: `${path}: ${issue.message}`': "zod's message for the configuration file: names the expected type or options, never the value found",
  'wizard/answers.ts: issue.message': "zod's message for the answers file: names the expected type or options, never the value found",
  "wizard/steps/name.ts: m.nameFixed(ctx.draft.name, ctx.answers.sourceOf('name'))": "the configuration's own `name` key, which the admin wrote (a-z, 0-9, -), and where an answer came from; no data",
  'wizard/steps/email.ts: m.adNoEntries(entries.length)': 'the wizard\'s own sentence with a count of directory accounts, no account\'s data',
  "src/cli/folder-access.ts: (result.stderr.trim() || result.stdout.trim()).replace(/\\s+/g, ' ').slice(0, 300)": "icacls's own words about a folder the admin configured; it reads no data",
  "src/cli/folder-access.ts: result.stderr.trim().replace(/\\s+/g, ' ').slice(0, 300)": "PowerShell's words on reading a folder's access list (doctor); the folder is a setting",
  "src/report/event-log.ts: (stderr.trim() || err.message).replace(/\\s+/g, ' ')": "eventcreate's words, or execFile's, which repeat the command line: the entry we built from safe text",
};

function sourceFiles(): string[] {
  return ['src', 'wizard'].flatMap((d) =>
    readdirSync(join(ROOT, d), { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => join(e.parentPath, e.name)),
  );
}

/** The calls whose argument mentions data and that are not known to be safe. */
export function suspicious(calls: readonly Call[]): Call[] {
  return calls.filter((c) => DATA.some((re) => re.test(c.arg)) && !(`${c.file}: ${c.arg}` in KNOWN_SAFE));
}

describe('ours() and given() in src/ and wizard/', () => {
  const calls = sourceFiles().flatMap((f) => callsIn(readFileSync(f, 'utf8'), relative(ROOT, f)));

  it('finds the calls (the check below reads them all)', () => {
    expect(calls.length).toBeGreaterThan(150);
    expect(calls.filter((c) => c.fn === 'ours').length).toBeGreaterThan(50);
    expect(calls.filter((c) => c.fn === 'given').length).toBeGreaterThan(50);
  });

  it('flags an argument that mentions a data field (the check can fail)', () => {
    const planted = callsIn("safe`a ${ours(row.given_name)} b ${given(person.email)} c ${ours(cell)} d ${given(p.name)} e ${ours(column)}`", 'src/x.ts');
    expect(suspicious(planted).map((c) => c.arg)).toEqual(['row.given_name', 'person.email', 'cell', 'p.name']);
  });

  it('no call wraps a data value: each that mentions a data field is on the known-safe list, with its reason', () => {
    expect(suspicious(calls).map((c) => `${c.file}:${c.line} ${c.fn}(${c.arg})`)).toEqual([]);
  });

  it('every known-safe entry is still in the code (the list does not outlive what it excuses)', () => {
    const present = new Set(calls.map((c) => `${c.file}: ${c.arg}`));
    expect(Object.keys(KNOWN_SAFE).filter((k) => !present.has(k))).toEqual([]);
  });
});
