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
    const kind = message.split(/,\s*"|\s+in JSON/)[0] ?? 'syntax error';
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
