/**
 * The pieces the run report and its index are written with: escaping, one
 * style sheet, the page frame. The pages are self-contained (no script, no
 * file from outside) so that they open from a file share.
 */

import { maskPersonalNumbersIn } from '../personal-number';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text for HTML, content or attribute: every value from ProCapita goes through this. A personnummer in it
 * is masked (a name may hold one, and the report never shows one); control characters are shown as U+FFFD.
 */
export const esc = (text: string | number): string =>
  maskPersonalNumbersIn(String(text))
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\ufffd')
    .replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** A table with column headers; `numeric` columns are right-aligned. Cells are HTML already. */
export function htmlTable(head: readonly string[], rows: readonly (readonly string[])[], numeric: ReadonlySet<number> = new Set(), caption?: string): string {
  const cls = (i: number) => (numeric.has(i) ? ' class="num"' : '');
  return [
    '<table>',
    caption ? `<caption>${esc(caption)}</caption>` : '',
    `<thead><tr>${head.map((h, i) => `<th scope="col"${cls(i)}>${esc(h)}</th>`).join('')}</tr></thead>`,
    `<tbody>${rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${c}</td>`).join('')}</tr>`).join('\n')}</tbody>`,
    '</table>',
  ].join('');
}

// Colours chosen for a contrast of at least 4.5:1 on their backgrounds (WCAG AA); the browser test checks them with axe-core.
const STYLE = `
:root { color-scheme: light; }
body { font-family: "Segoe UI", system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem 1.5rem 3rem; color: #1a1a1a; background: #fff; line-height: 1.45; }
h1 { font-size: 1.6rem; margin: .5rem 0; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ccc; padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin-top: 1.2rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: .2rem 0; }
th, td { border: 1px solid #bbb; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #eef1f5; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.privacy { background: #fff4d6; border: 1px solid #8a6100; color: #3d2b00; padding: .5rem .75rem; }
.outcome { font-size: 1.1rem; padding: .6rem .8rem; border-left: .4rem solid; }
.outcome.delivered, .outcome.unchanged { background: #e6f4ea; border-color: #1e6b34; color: #0f3d1c; }
.outcome.held { background: #fff4d6; border-color: #8a6100; color: #3d2b00; }
.outcome.failed { background: #fdecec; border-color: #a4161a; color: #5c0a0d; }
pre { background: #f5f5f5; border: 1px solid #ccc; padding: .6rem; overflow-x: auto; white-space: pre-wrap; }
code.copy { display: block; font-size: 1rem; background: #1a1a1a; color: #fff; padding: .6rem; }
details { margin: .4rem 0; }
summary { cursor: pointer; color: #0b4f8a; }
.muted { color: #555; }
svg text { font: 12px "Segoe UI", system-ui, sans-serif; fill: #1a1a1a; }
footer { margin-top: 3rem; color: #555; font-size: .9rem; }
a { color: #0b4f8a; }
`;

/** A whole page: `lang`, a title, the style sheet, no script. */
export const page = (lang: string, title: string, body: string): string =>
  `<!doctype html>\n<html lang="${esc(lang)}">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">\n<title>${esc(title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n${body}\n</body>\n</html>\n`;
