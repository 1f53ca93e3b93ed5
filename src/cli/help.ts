/**
 * `help [TOPIC]`: the admin guides, from inside the program. The admin gets
 * only the exe and SHA256SUMS, so messages say `procapita-sync help TOPIC`
 * rather than name a file of the source repository. `help COMMAND` still
 * gives a command's usage, as commander's own help command did.
 */
import { posix } from 'node:path';
import { Option, type Command } from 'commander';
import { AppError } from '../errors';
import { given, joined, ours, safe } from '../safe-text';
import { guideText } from './guide-text';
import guides from './guides.json' with { type: 'json' };
import type { Io } from './io';
import { DEFAULT_LANG, LANGS, messagesFor, type Lang } from '../messages';

interface Guide {
  readonly topic: string;
  /** The file under docs/, without ".md". */
  readonly doc: string;
  /** Its Swedish version under docs/, when there is one (docs/sv/). */
  readonly sv?: string;
  readonly summary: string;
}

// The guides, in src/cli/guides.json because build/embed-guides.mjs reads the same table: the exe holds these
// files and no others.
export const GUIDES: readonly Guide[] = guides;

/** The file a guide is read from in a language: the Swedish one when there is one, else the English. */
export const fileOf = (guide: Guide, lang: Lang = 'en') => `${lang === 'sv' && guide.sv ? guide.sv : guide.doc}.md`;
const byFile = new Map(GUIDES.flatMap((g) => [[fileOf(g), g] as const, ...(g.sv ? [[fileOf(g, 'sv'), g] as const] : [])]));

/** The guides, one line each, for `--help` and `help`. */
function topicLines(): string {
  const width = Math.max(...GUIDES.map((g) => g.topic.length));
  return GUIDES.map((g) => `  ${g.topic.padEnd(width)}  ${g.summary}`).join('\n');
}

/** A heading's anchor as GitHub makes it: "The run report" → "the-run-report". */
const slug = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

/** The title of the section an anchor points at in another guide, when there is one. */
function sectionTitle(file: string, anchor: string): string | undefined {
  for (const line of guideText(file).split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*$/.exec(line)?.[1];
    if (heading !== undefined && slug(heading) === anchor) return heading;
  }
  return undefined;
}

/** A Markdown link as terminal text: another guide becomes the help command that shows it. `from`: the folder under docs/ of the guide it is in. */
function link(label: string, target: string, from: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return label === target ? target : `${label} (${target})`;
  const [path = '', anchor] = target.split('#');
  const file = path === '' ? '' : posix.normalize(posix.join(from, path));
  const guide = byFile.get(file);
  // An anchor in the same guide, or a file of the source repository the exe does not have: the words alone.
  if (!guide) return label;
  const section = anchor ? sectionTitle(file, anchor) : undefined;
  // A Swedish guide's links say "avsnittet"; the English ones "section".
  const command = `\`procapita-sync help ${guide.topic}\`${section ? `, ${from.startsWith('sv') ? 'avsnittet' : 'section'} "${section}"` : ''}`;
  // A label that is only the file's name ("configuration.md", also from docs/sv/) gives way to the command.
  return label === path || label === posix.basename(file) ? command : `${label} (${command})`;
}

/** Links, and bold outside `code`: bold may span lines, so each ** goes on its own. */
const inline = (text: string, from: string) =>
  text
    .replace(/\[([^\]]*)\]\(([^)\s]*)\)/g, (_, label: string, target: string) => link(label, target, from))
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/\*\*/g, '')))
    .join('');

/**
 * A guide's Markdown as plain terminal text: it stays Markdown in the main (tables, `code`), which reads well in
 * a Windows console, with no colours or other escape sequences, whether or not the output is a terminal.
 */
export function renderGuide(markdown: string, file = ''): string {
  const from = posix.dirname(file);
  const out: string[] = [];
  let inFence = false;
  for (const line of markdown.replace(/\r\n/g, '\n').split('\n')) {
    if (/^\s*```/.test(line)) {
      inFence = !inFence;
      continue;
    }
    if (inFence) {
      out.push(line === '' ? '' : `    ${line}`);
      continue;
    }
    // The markers tests use to find a table in the page; the link to the other language's page (help --lang shows that one).
    if (/^<!--.*-->\s*$/.test(line) || /^På (svenska|engelska): \[[^\]]*\]\([^)]*\)\s*$/.test(line)) continue;
    if (line.trim() === '' && out.at(-1) === '') continue;
    const heading = /^(#{1,6})\s+(.*?)\s*$/.exec(line);
    if (heading) {
      const text = inline(heading[2]!, from);
      out.push(text);
      if (heading[1]!.length <= 2) out.push((heading[1] === '#' ? '=' : '-').repeat(text.length));
      continue;
    }
    out.push(inline(line, from));
  }
  return `${out.join('\n').trim()}\n`;
}

/** The command a row of words names (`schedule install`), or undefined. */
function commandAt(program: Command, words: readonly string[]): Command | undefined {
  let command: Command | undefined = program;
  for (const word of words) command = command?.commands.find((c) => c.name() === word || c.aliases().includes(word));
  return command === program ? undefined : command;
}

/** A guide as `help TOPIC` prints it: in Swedish when there is a Swedish version, else in English, said so in Swedish. */
export function guideFor(guide: Guide, lang: Lang): string {
  const file = fileOf(guide, lang);
  const text = renderGuide(guideText(file), file);
  return lang === 'sv' && !guide.sv ? `${messagesFor('sv').guideOnlyInEnglish}\n\n${text}` : text;
}

export function registerHelp(program: Command, io: Io): void {
  program.addHelpText('after', `\nGuides (procapita-sync help TOPIC; in Swedish where there is a Swedish version, --lang en for English):\n${topicLines()}`);
  program
    .command('help')
    .description("print a guide (the topics are below), or a command's usage")
    .argument('[topic...]', 'a guide, e.g. exit-codes, or a command, e.g. run')
    .addOption(new Option('--lang <lang>', 'language of the guide').choices(LANGS).default(DEFAULT_LANG))
    .action((words: string[], opts: { lang: Lang }) => {
      const [first] = words;
      if (first === undefined) return void program.outputHelp();
      const guide = words.length === 1 ? GUIDES.find((g) => g.topic === first) : undefined;
      if (guide) return void io.stdout(guideFor(guide, opts.lang));
      const command = commandAt(program, words);
      if (command) return void command.outputHelp();
      const commands = program.commands.map((c) => c.name()).filter((name) => name !== 'help');
      throw new AppError(
        'usage',
        safe`There is no help topic or command "${given(words.join(' '))}". The topics: ${joined(GUIDES.map((g) => ours(g.topic)), ', ')}. The commands: ${joined(commands.map(ours), ', ')}. \`procapita-sync help\` lists both.`,
      );
    });
}
