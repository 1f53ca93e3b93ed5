import { readFile } from 'node:fs/promises';
import { parse as locate, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { AppError, errnoOf, type ExitCodeName } from './errors';
import { safe, type SafeText } from './safe-text';

/** jsonc-parser's error codes, in words for the admin. */
const FAULTS: Record<string, SafeText> = {
  InvalidSymbol: safe`a character that does not belong there`,
  InvalidNumberFormat: safe`a malformed number`,
  PropertyNameExpected: safe`a missing property name`,
  ValueExpected: safe`a missing value`,
  ColonExpected: safe`a missing colon`,
  CommaExpected: safe`a missing comma`,
  CloseBraceExpected: safe`a missing }`,
  CloseBracketExpected: safe`a missing ]`,
  EndOfFileExpected: safe`more text after the end`,
  InvalidCommentToken: safe`a comment (JSON has none)`,
  UnexpectedEndOfComment: safe`an unfinished comment`,
  UnexpectedEndOfString: safe`an unfinished string`,
  UnexpectedEndOfNumber: safe`an unfinished number`,
  InvalidUnicode: safe`a bad \\u escape`,
  InvalidEscapeCharacter: safe`a bad escape in a string`,
  InvalidCharacter: safe`a control character in a string`,
};

/**
 * JSON.parse with a message fit for the admin. V8's own message quotes the
 * text around the fault, and that text may be personal data, so the fault is
 * located again with jsonc-parser and named by its kind, line and column only.
 */
export function parseJson(text: string, what: SafeText, code: ExitCodeName): unknown {
  const clean = text.replace(/^\uFEFF/, '');
  try {
    return JSON.parse(clean);
  } catch {
    const errors: ParseError[] = [];
    locate(clean, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    if (!first) throw new AppError(code, safe`${what} is not valid JSON.`);
    const before = clean.slice(0, first.offset);
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    throw new AppError(code, safe`${what} is not valid JSON: ${FAULTS[printParseErrorCode(first.error)] ?? safe`a syntax error`} at line ${line}, column ${column}.`);
  }
}

/** Reads and parses a JSON file. `what` names it in messages; `hint` says what to do when it can't be read. */
export async function readJsonFile(path: string, what: SafeText, codes: { read: ExitCodeName; parse: ExitCodeName }, hint: SafeText): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = errnoOf(err);
    const why = code === 'ENOENT' ? safe`no such file` : code === 'EACCES' || code === 'EPERM' ? safe`permission denied` : code === 'EISDIR' ? safe`it is a folder` : safe`cannot be read (${code})`;
    throw new AppError(codes.read, safe`${what}: ${why}. ${hint}`);
  }
  return parseJson(text, what, codes.parse);
}
