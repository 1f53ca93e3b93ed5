/**
 * Whether a query file holds exactly one statement that only reads: one
 * SELECT (or WITH … SELECT), and outside its strings, names and comments no
 * keyword that writes, runs code or changes the session. Pure.
 *
 * The schema check wraps each query in `SELECT * FROM (…) AS q`, and the
 * read runs it as written, so a second statement after `) AS x;` would run
 * inside the read transaction. A tokenizer that knows T-SQL's strings,
 * bracketed and quoted names and nested comments sees the words SQL Server
 * would see. Where it is unsure (a number joined to a word) it refuses.
 */
import { ours, safe, type SafeText } from '../safe-text';

export type QueryVerdict =
  /** `statement`: the query without a trailing semicolon and what follows it, so that it can be wrapped. */
  | { readonly ok: true; readonly statement: string }
  /** `problem` is in our words and never quotes the file. */
  | { readonly ok: false; readonly line: number; readonly problem: SafeText };

/** Words that write, run code, change the session or end the transaction: never needed to read. */
const REFUSED: readonly string[] = [
  'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'DROP', 'CREATE', 'ALTER', 'TRUNCATE', 'EXEC', 'EXECUTE', 'GRANT', 'REVOKE', 'DENY', 'INTO',
  'BACKUP', 'RESTORE', 'DBCC', 'SHUTDOWN', 'KILL', 'USE', 'DECLARE', 'SET', 'OPENROWSET', 'OPENQUERY', 'OPENDATASOURCE', 'WAITFOR', 'BULK',
  // Also reserved in T-SQL, so never a plain column or table name: transaction control and older ways to write.
  'BEGIN', 'COMMIT', 'ROLLBACK', 'SAVE', 'CHECKPOINT', 'RECONFIGURE', 'SETUSER', 'REVERT', 'WRITETEXT', 'UPDATETEXT', 'DUMP', 'LOAD',
];

interface Token {
  /** word: a keyword or a plain name, upper-cased; opaque: a string, a [name] or a "name"; number; other: punctuation. */
  readonly kind: 'word' | 'variable' | 'opaque' | 'number' | 'semicolon' | 'other';
  readonly text: string;
  readonly start: number;
  readonly line: number;
}

class Refused {
  constructor(
    readonly line: number,
    readonly problem: SafeText,
  ) {}
}

const WORD_START = /[\p{L}_@#]/u;
const WORD_PART = /[\p{L}\p{N}_@#$]/u;
const DIGIT = /[0-9]/;
/** A number T-SQL reads as one: 12, 1e5 (the sign and the digits after it come as their own tokens), 0x1F. */
const NUMBER = /^(?:[0-9]+(?:[eE][0-9]*)?|0[xX][0-9a-fA-F]*)$/;
/** Where a -- comment ends. More than \n: ending it early only shows the checker more text, never less. */
const LINE_END = /[\n\r\v\f\u0085\u2028\u2029]/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  const newline = (c: string) => (c === '\n' || (c === '\r' && text[i + 1] !== '\n') ? 1 : 0);

  /** From the opening character at i to its closing one; `close` twice is the escape for it. */
  const quoted = (close: string, what: 'a string' | 'a [name]' | 'a "name"') => {
    const start = i;
    const from = line;
    i++;
    for (;;) {
      if (i >= text.length) throw new Refused(from, safe`has ${what} that is never closed`);
      const c = text[i]!;
      if (c === close) {
        if (text[i + 1] === close) i += 2;
        else {
          i++;
          break;
        }
      } else {
        line += newline(c);
        i++;
      }
    }
    tokens.push({ kind: 'opaque', text: '', start, line: from });
  };

  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (/\s|\uFEFF/.test(c)) {
      line += newline(c);
      i++;
    } else if (c === '-' && next === '-') {
      while (i < text.length && !LINE_END.test(text[i]!)) i++;
    } else if (c === '/' && next === '*') {
      // T-SQL nests block comments: every /* inside one needs its own */.
      const from = line;
      let depth = 0;
      do {
        if (i >= text.length) throw new Refused(from, safe`has a /* comment */ that is never closed`);
        if (text[i] === '/' && text[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (text[i] === '*' && text[i + 1] === '/') {
          depth--;
          i += 2;
        } else {
          line += newline(text[i]!);
          i++;
        }
      } while (depth > 0);
    } else if (c === "'") {
      quoted("'", 'a string');
    } else if ((c === 'N' || c === 'n') && next === "'") {
      i++; // N'…': a Unicode string
      quoted("'", 'a string');
    } else if (c === '[') {
      quoted(']', 'a [name]');
    } else if (c === '"') {
      quoted('"', 'a "name"');
    } else if (WORD_START.test(c) || DIGIT.test(c)) {
      const start = i;
      while (i < text.length && WORD_PART.test(text[i]!)) i++;
      const word = text.slice(start, i);
      if (DIGIT.test(c)) {
        // T-SQL reads 1DELETE as 1 and DELETE; no query needs to write a number that way.
        if (!NUMBER.test(word)) throw new Refused(line, safe`has a number joined to a word; put a space between them`);
        tokens.push({ kind: 'number', text: word, start, line });
      } else {
        tokens.push({ kind: c === '@' || c === '#' ? 'variable' : 'word', text: word.toUpperCase(), start, line });
      }
    } else {
      tokens.push({ kind: c === ';' ? 'semicolon' : 'other', text: c, start: i, line });
      i++;
    }
  }
  return tokens;
}

/** Checks a query file's text. */
export function checkReadOnlyQuery(text: string): QueryVerdict {
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch (err) {
    if (err instanceof Refused) return { ok: false, line: err.line, problem: err.problem };
    throw err;
  }
  const first = tokens[0];
  if (!first) return { ok: false, line: 1, problem: safe`holds no statement` };
  if (first.kind !== 'word' || (first.text !== 'SELECT' && first.text !== 'WITH')) {
    return { ok: false, line: first.line, problem: safe`does not begin with SELECT or WITH` };
  }
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t]!;
    if (token.kind === 'semicolon') {
      const after = tokens.slice(t + 1).find((x) => x.kind !== 'semicolon');
      if (after) return { ok: false, line: after.line, problem: safe`holds a second statement after a semicolon` };
      return { ok: true, statement: text.slice(0, token.start) };
    }
    // The keyword is named from our own list, not from the file.
    const keyword = token.kind === 'word' ? REFUSED.find((k) => k === token.text) : undefined;
    if (keyword) return { ok: false, line: token.line, problem: safe`has the keyword ${ours(keyword)}, which a query that only reads never needs` };
  }
  return { ok: true, statement: text };
}
