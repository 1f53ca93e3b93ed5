import { parse as locate, printParseErrorCode, visit, type JSONPath, type ParseError } from 'jsonc-parser';
import { AppError, type ExitCodeName } from './errors';
import { given, safe, type SafeText } from './safe-text';
import { readErrorReason, readTextFile, SAVE_AS_UTF8 } from './text-file';

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

export interface JsonOptions {
  /**
   * Refuse a key that appears twice in one object: JSON.parse silently keeps
   * the last, so `"personalNumber": true` and later `false` would be false.
   * 'name' names the key's path (the admin's own file: the configuration, the
   * answers); 'line' gives only the line, for a file whose keys could be data.
   */
  readonly duplicateKeys?: 'name' | 'line';
}

interface DuplicateKey {
  readonly path: JSONPath;
  readonly line: number;
  readonly firstLine: number;
}

/** The first key that appears twice in one object, with its path and both lines (from 1). */
function firstDuplicateKey(text: string): DuplicateKey | undefined {
  const open: Map<string, number>[] = [];
  let found: DuplicateKey | undefined;
  visit(text, {
    onObjectBegin: () => {
      open.push(new Map());
    },
    onObjectEnd: () => {
      open.pop();
    },
    onObjectProperty: (property, _offset, _length, startLine, _startCharacter, pathSupplier) => {
      const keys = open[open.length - 1];
      if (!keys || found) return;
      const firstLine = keys.get(property);
      if (firstLine === undefined) keys.set(property, startLine + 1);
      else found = { path: [...pathSupplier(), property], line: startLine + 1, firstLine };
    },
  });
  return found;
}

/** `export.personalNumber`, `schools[1].unitCode`; an odd key in quotes. */
const pathText = (path: JSONPath): string =>
  path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? `${i === 0 ? '' : '.'}${p}` : `[${JSON.stringify(p)}]`))
    .join('');

/**
 * JSON.parse with a message fit for the admin. V8's own message quotes the
 * text around the fault, and that text may be personal data, so the fault is
 * located again with jsonc-parser and named by its kind, line and column only.
 */
export function parseJson(text: string, what: SafeText, code: ExitCodeName, options: JsonOptions = {}): unknown {
  const clean = text.replace(/^\uFEFF/, '');
  try {
    const value: unknown = JSON.parse(clean);
    const duplicate = options.duplicateKeys ? firstDuplicateKey(clean) : undefined;
    if (duplicate) {
      const lines = safe`lines ${duplicate.firstLine} and ${duplicate.line}`;
      throw new AppError(
        code,
        options.duplicateKeys === 'name'
          ? safe`${what}: the key ${given(pathText(duplicate.path))} appears twice (${lines}). JSON would silently take the last one; remove one.`
          : safe`${what}: a key appears twice in one object (${lines}). JSON would silently take the last one; remove one.`,
      );
    }
    return value;
  } catch (err) {
    if (err instanceof AppError) throw err;
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

/**
 * Reads and parses a JSON file, in UTF-8 or, by its byte-order mark, UTF-16
 * (Notepad's "Unicode"). `what` names it in messages; `hint` says what to do
 * when it can't be read.
 */
export async function readJsonFile(path: string, what: SafeText, codes: { read: ExitCodeName; parse: ExitCodeName }, hint: SafeText, options: JsonOptions = {}): Promise<unknown> {
  let decoded;
  try {
    decoded = await readTextFile(path);
  } catch (err) {
    throw new AppError(codes.read, safe`${what}: ${readErrorReason(err)}. ${hint}`);
  }
  if (!decoded.ok) throw new AppError(codes.parse, safe`${what} ${SAVE_AS_UTF8}.`);
  return parseJson(decoded.text, what, codes.parse, options);
}
