/**
 * Everyone and everything left out, as a CSV file that Swedish Excel opens
 * as it is: UTF-8 with a byte order mark, semicolons, CRLF. A cell that a
 * spreadsheet would take for a formula is made text. Pure.
 */
import type { Messages } from '../../wizard/messages';
import { maskPersonalNumbersIn } from '../personal-number';
import type { LeftOutSection } from './left-out';

/** Excel, LibreOffice and Google Sheets run a cell that starts with one of these as a formula (OWASP: CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: a personnummer in it masked (as on the report's page), formulas made text, quoted when it must be. */
export function csvCell(value: string): string {
  // Line breaks would split a row for the many readers that do not follow RFC 4180's quoting.
  let text = maskPersonalNumbersIn(value).replace(/[\r\n]+/g, ' ');
  if (FORMULA_START.test(value)) text = `'${text}`;
  return /[;"\s]/.test(text) || text !== value ? `"${text.replace(/"/g, '""')}"` : text;
}

export function leftOutCsv(sections: readonly LeftOutSection[], m: Messages): string {
  const w = m.report;
  const lines = [w.csvHeader.map(csvCell).join(';')];
  for (const s of sections) {
    for (const e of s.entries) lines.push([w.kind[s.kind], s.reason, m.summary.reasons[s.reason], e.name, e.id, e.school, e.place, e.rule].map(csvCell).join(';'));
  }
  return `\ufeff${lines.join('\r\n')}\r\n`;
}
