// Checks that keep the Swedish admin guides in docs/sv/ in step with their English sources: what the
// admin types (commands, flags, keys, paths, code blocks) and the page's shape must stay the same,
// so that a change made to one page and not the other is found (test/docs/swedish-guides.test.ts).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** English source → Swedish guide. */
export const GUIDES: [en: string, sv: string][] = [
  ['docs/install-windows.md', 'docs/sv/installation.md'],
  ['docs/operations.md', 'docs/sv/drift.md'],
  ['docs/email-mapping.md', 'docs/sv/e-postmappning.md'],
];
export const SV_INDEX = 'docs/sv/README.md';


interface Parsed {
  /** The text outside fenced blocks (each block replaced by an empty line). */
  prose: string;
  /** Each fenced block: its info string and its lines, without the fence's own indentation. */
  fences: string[];
  /** Inline code spans, whitespace collapsed as Markdown renders it. */
  code: string[];
  /** Heading levels in order, and their texts. */
  headings: { level: number; text: string }[];
  /** Link targets that are not URLs, as written. */
  links: string[];
  /** Each table's shape: its rows, each as its number of cells. */
  tables: string[];
}

export function parse(text: string): Parsed {
  const prose: string[] = [];
  const fences: string[] = [];
  let fence: { indent: number; marker: string; lines: string[] } | null = null;
  for (const line of text.split('\n')) {
    const open = /^( *)(`{3,}|~{3,})(.*)$/.exec(line);
    if (fence) {
      if (open && open[2]!.startsWith(fence.marker) && open[3]!.trim() === '') {
        fences.push(fence.lines.join('\n'));
        fence = null;
        prose.push('');
      } else fence.lines.push(line.slice(Math.min(fence.indent, line.length - line.trimStart().length)));
    } else if (open) fence = { indent: open[1]!.length, marker: open[2]!, lines: [open[3]!.trim()] };
    else prose.push(line);
  }
  if (fence) throw new Error('an unclosed code fence');
  const proseText = prose.join('\n');
  const code = [...proseText.matchAll(/(?<!`)(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g)].map((m) => m[2]!.replace(/\s+/g, ' ').trim());
  const withoutCode = proseText.replace(/(?<!`)(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g, ' ');
  const headings = [...proseText.matchAll(/^(#{1,6})\s+(.+)$/gm)].map((m) => ({ level: m[1]!.length, text: m[2]!.trim() }));
  const links = [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/i.test(l));
  const tables: string[] = [];
  let rows: number[] = [];
  for (const line of [...prose, '']) {
    if (line.trimStart().startsWith('|')) rows.push(line.trim().replace(/^\||\|$/g, '').split(/(?<!\\)\|/).length);
    else if (rows.length > 0) {
      tables.push(rows.join(' '));
      rows = [];
    }
  }
  return { prose: proseText, fences, code, headings, links, tables };
}

/** GitHub's anchor for a heading (github-slugger's rule). */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

function anchors(path: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const { text } of parse(read(path)).headings) {
    const base = slug(text);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n === 0 ? base : `${base}-${n}`);
  }
  return result;
}

/** Where a link on the page at `from` leads: the repository path and the anchor. */
export function resolveLink(from: string, link: string): { file: string; anchor: string } {
  const [path, anchor = ''] = link.split('#') as [string, string?];
  return { file: path === '' ? from : normalize(join(dirname(from), decodeURI(path))), anchor: decodeURIComponent(anchor) };
}

/** Broken links on a page: a file that does not exist, or an anchor its target has no heading for. */
export function brokenLinks(path: string, text: string): string[] {
  const problems: string[] = [];
  for (const link of parse(text).links) {
    const { file, anchor } = resolveLink(path, link);
    if (!existsSync(join(ROOT, file))) problems.push(`${path}: the link ${link} leads to ${file}, which does not exist`);
    else if (anchor && file.endsWith('.md') && !anchors(file).has(anchor)) problems.push(`${path}: the link ${link}: ${file} has no heading with the anchor #${anchor}`);
  }
  return problems;
}

/** Counts of each item; a difference lists what one side has more of. */
function multisetDiff(a: string[], b: string[]): { onlyA: string[]; onlyB: string[] } {
  const counts = new Map<string, number>();
  for (const x of a) counts.set(x, (counts.get(x) ?? 0) + 1);
  for (const x of b) counts.set(x, (counts.get(x) ?? 0) - 1);
  const onlyA: string[] = [];
  const onlyB: string[] = [];
  for (const [x, n] of counts) for (let i = 0; i < Math.abs(n); i++) (n > 0 ? onlyA : onlyB).push(x);
  return { onlyA, onlyB };
}

const toEnglish = new Map(GUIDES.map(([en, sv]) => [sv, en]));

/**
 * How the Swedish guide differs from its English source in what must not differ: inline code
 * (as a multiset), fenced blocks (in order, exactly), heading levels (in order), the tables' rows
 * and cells, and the files links
 * lead to (a link to a Swedish guide counts as one to its English source; anchors into English
 * pages must be equal, anchors into Swedish guides are translated and only need to exist).
 */
export function compareGuides(en: { path: string; text: string }, sv: { path: string; text: string }): string[] {
  const a = parse(en.text);
  const b = parse(sv.text);
  const problems: string[] = [];
  // No exceptions: a Swedish guide quotes the wizard's Swedish screen text in ”…”, never as code.
  const { onlyA: onlyEn, onlyB: onlySv } = multisetDiff(a.code, b.code);
  for (const c of onlyEn) problems.push(`inline code in ${en.path} missing from ${sv.path} (or there fewer times): \`${c}\``);
  for (const c of onlySv) problems.push(`inline code in ${sv.path} not in ${en.path} (or there fewer times): \`${c}\``);
  if (a.fences.length !== b.fences.length) problems.push(`${en.path} has ${a.fences.length} code blocks, ${sv.path} ${b.fences.length}`);
  a.fences.forEach((f, i) => {
    if (b.fences[i] !== undefined && b.fences[i] !== f) problems.push(`code block ${i + 1} differs:\n${en.path}:\n${f}\n${sv.path}:\n${b.fences[i]}`);
  });
  if (a.tables.join('; ') !== b.tables.join('; ')) problems.push(`tables differ (cells per row):\n${en.path}: ${a.tables.join('; ')}\n${sv.path}: ${b.tables.join('; ')}`);
  const levels = (p: Parsed) => p.headings.map((h) => '#'.repeat(h.level)).join(' ');
  if (levels(a) !== levels(b)) problems.push(`heading levels differ:\n${en.path}: ${levels(a)}\n${sv.path}: ${levels(b)}`);
  const target = (path: string, link: string, guide: string) => {
    const { file, anchor } = resolveLink(path, link);
    const english = toEnglish.get(file) ?? file;
    // A same-page or Swedish-guide anchor is translated; the file is what must match.
    const translated = file === guide || toEnglish.has(file) || [...toEnglish.values()].includes(file);
    return translated || !anchor ? english : `${english}#${anchor}`;
  };
  const links = multisetDiff(
    a.links.map((l) => target(en.path, l, en.path)),
    b.links.map((l) => target(sv.path, l, sv.path)),
  );
  for (const l of links.onlyA) problems.push(`${en.path} links to ${l}, ${sv.path} does not (or fewer times)`);
  for (const l of links.onlyB) problems.push(`${sv.path} links to ${l}, ${en.path} does not (or fewer times)`);
  return problems;
}

/** Frequent English words that are not Swedish words ("run" is left out for Task Scheduler's Last Run Result, "just" is Swedish too). */
const ENGLISH_WORDS = [
  ...['the', 'and', 'which', 'is', 'are', 'of', 'with', 'that', 'when', 'not', 'this', 'was', 'will', 'be', 'has', 'have', 'for', 'to', 'from', 'by', 'you'],
  ...['or', 'as', 'on', 'an', 'its', 'if', 'can', 'does', 'each', 'every', 'only', 'into', 'than', 'then', 'but', 'at', 'it', 'no', 'one', 'all'],
  ...['until', 'would', 'new', 'may', 'see', 'there', 'their', 'they', 'we', 'our', 'your', 'must', 'who', 'what', 'how', 'why', 'any', 'also', 'after', 'before'],
];

/**
 * English words left in the Swedish prose. Not counted: code, link targets, text in straight
 * quotes "…" (the program's and Windows' English messages and screen names, quoted as they are)
 * and test references in the faults table (`test/… > the test's name`).
 */
export function englishLeftovers(text: string): string[] {
  const prose = parse(text)
    .prose.replace(/(?<!`)(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g, ' ')
    .replace(/\]\([^)]*\)/g, ']')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/\btest\/[^|\n]*/g, ' ')
    .replace(/"[^"]{0,400}"/g, ' ');
  const hits: string[] = [];
  prose.split('\n').forEach((line, i) => {
    const words = ENGLISH_WORDS.filter((w) => new RegExp(`(^|[^\\p{L}\\p{N}_-])${w}(?=$|[^\\p{L}\\p{N}_-])`, 'iu').test(line));
    if (words.length > 0) hits.push(`line ${i + 1} (${words.join(', ')}): ${line.trim()}`);
  });
  return hits;
}

/** Texts quoted in ”…” in a Swedish guide that the wizard's Swedish catalogue does not hold. */
export function unknownScreenTexts(text: string, catalogue: string): string[] {
  const flat = (s: string) => s.replace(/\s+/g, ' ');
  const known = flat(catalogue);
  return [...parse(text).prose.matchAll(/”([^”]+)”/g)].map((m) => flat(m[1]!)).filter((quote) => !known.includes(quote));
}

