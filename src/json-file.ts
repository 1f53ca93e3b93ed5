import { readFile } from 'node:fs/promises';
import { AppError, type ExitCodeName } from './errors';

/**
 * JSON.parse with a message fit for the admin. V8's own message can quote
 * the text around the fault, and that text may be personal data, so only
 * the kind of fault and its line and column are kept.
 */
export function parseJson(text: string, what: string, code: ExitCodeName): unknown {
  const clean = text.replace(/^\uFEFF/, '');
  try {
    return JSON.parse(clean);
  } catch (err) {
    const message = (err as Error).message;
    // Drop V8's quote of the text (`, "…" is not valid JSON`) and its position phrase.
    const kind = message.replace(/,\s*".*$/s, '').replace(/\s+(in JSON\s+)?at position \d+.*$/s, '').replace(/\s+in JSON$/, '');
    const pos = /at position (\d+)/.exec(message);
    let where = '';
    if (pos) {
      const before = clean.slice(0, Number(pos[1]));
      const line = before.split('\n').length;
      where = ` at line ${line}, column ${before.length - before.lastIndexOf('\n')}`;
    }
    throw new AppError(code, `${what} is not valid JSON: ${kind}${where}`);
  }
}

/** Reads and parses a JSON file. `what` names it in messages; `hint` says what to do when it can't be read. */
export async function readJsonFile(path: string, what: string, codes: { read: ExitCodeName; parse: ExitCodeName }, hint: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : `cannot be read (${code ?? 'unknown error'})`;
    throw new AppError(codes.read, `${what}: ${why}. ${hint}`);
  }
  return parseJson(text, what, codes.parse);
}
