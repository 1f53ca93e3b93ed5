/**
 * `help [TOPIC]`: the admin guides, from inside the program. The admin gets
 * only the exe and SHA256SUMS, so messages say `procapita-sync help TOPIC`
 * rather than name a file of the source repository. `help COMMAND` still
 * gives a command's usage, as commander's own help command did.
 */
import type { Command } from 'commander';
import { AppError } from '../errors';
import { given, joined, ours, safe } from '../safe-text';
import { guideText } from './guide-text';
import type { Io } from './io';

interface Guide {
  readonly topic: string;
  /** The file under docs/, without ".md". */
  readonly doc: string;
  readonly summary: string;
}

// English guides in docs/; the Swedish ones will be docs/sv/<same file>, chosen by the language.
export const GUIDES: readonly Guide[] = [
  { topic: 'installation', doc: 'install-windows', summary: 'installing on the Windows integration server, step by step' },
  { topic: 'configuration', doc: 'configuration', summary: 'every key of the configuration file, and where the secrets are kept' },
  { topic: 'exit-codes', doc: 'exit-codes', summary: 'what each exit code means, and what to do about it' },
  { topic: 'operations', doc: 'operations', summary: 'everyday running: logs, run report, alerts, the deletion guard, approving' },
  { topic: 'scheduling', doc: 'scheduling', summary: 'the nightly scheduled task, and reading its last result' },
  { topic: 'email-mapping', doc: 'email-mapping', summary: 'e-mail addresses and the mapping table built from Active Directory' },
  { topic: 'privacy', doc: 'privacy', summary: 'what is read, kept, written and sent (for the data-protection officer)' },
  { topic: 'rules', doc: 'rules', summary: 'who and what goes into the roster, and the reason codes' },
  { topic: 'procapita-schema', doc: 'procapita-schema', summary: 'the ProCapita tables and columns read, and adapting the queries' },
  { topic: 'fixtures', doc: 'fixtures', summary: 'ProCapita rows in a JSON file instead of SQL Server (tests, demos)' },
  { topic: 'upload-api', doc: 'upload-api', summary: "the upload service's API: snapshot, ping and heartbeat" },
  { topic: 'snapshot-format', doc: 'snapshot-format', summary: 'the roster as delivered: snapshot format v1' },
  { topic: 'glossary', doc: 'glossary', summary: 'Swedish school-register terms and the English names used here' },
];

const fileOf = (guide: Guide) => `${guide.doc}.md`;
const byFile = new Map(GUIDES.map((g) => [fileOf(g), g]));

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

/** A Markdown link as terminal text: another guide becomes the help command that shows it. */
function link(label: string, target: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return label === target ? target : `${label} (${target})`;
  const [file = '', anchor] = target.split('#');
  const guide = byFile.get(file);
  // An anchor in the same guide, or a file of the source repository the exe does not have: the words alone.
  if (!guide) return label;
  const section = anchor ? sectionTitle(file, anchor) : undefined;
  const command = `\`procapita-sync help ${guide.topic}\`${section ? `, section "${section}"` : ''}`;
  return label === file ? command : `${label} (${command})`;
}

const inline = (text: string) => text.replace(/\[([^\]]*)\]\(([^)\s]*)\)/g, (_, label: string, target: string) => link(label, target)).replace(/\*\*(.+?)\*\*/g, '$1');

/**
 * A guide's Markdown as plain terminal text: it stays Markdown in the main (tables, `code`), which reads well in
 * a Windows console, with no colours or other escape sequences, whether or not the output is a terminal.
 */
export function renderGuide(markdown: string): string {
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
    // The markers tests use to find a table in the page.
    if (/^<!--.*-->\s*$/.test(line)) continue;
    const heading = /^(#{1,6})\s+(.*?)\s*$/.exec(line);
    if (heading) {
      const text = inline(heading[2]!);
      out.push(text);
      if (heading[1]!.length <= 2) out.push((heading[1] === '#' ? '=' : '-').repeat(text.length));
      continue;
    }
    out.push(inline(line));
  }
  return `${out.join('\n').trim()}\n`;
}

/** The command a row of words names (`schedule install`), or undefined. */
function commandAt(program: Command, words: readonly string[]): Command | undefined {
  let command: Command | undefined = program;
  for (const word of words) command = command?.commands.find((c) => c.name() === word || c.aliases().includes(word));
  return command === program ? undefined : command;
}

export function registerHelp(program: Command, io: Io): void {
  program.addHelpText('after', `\nGuides (procapita-sync help TOPIC):\n${topicLines()}`);
  program
    .command('help')
    .description("print a guide (the topics are below), or a command's usage")
    .argument('[topic...]', 'a guide, e.g. exit-codes, or a command, e.g. run')
    .action((words: string[]) => {
      const [first] = words;
      if (first === undefined) return void program.outputHelp();
      const guide = words.length === 1 ? GUIDES.find((g) => g.topic === first) : undefined;
      if (guide) return void io.stdout(renderGuide(guideText(fileOf(guide))));
      const command = commandAt(program, words);
      if (command) return void command.outputHelp();
      const commands = program.commands.map((c) => c.name()).filter((name) => name !== 'help');
      throw new AppError(
        'usage',
        safe`There is no help topic or command "${given(words.join(' '))}". The topics: ${joined(GUIDES.map((g) => ours(g.topic)), ', ')}. The commands: ${joined(commands.map(ours), ', ')}. \`procapita-sync help\` lists both.`,
      );
    });
}
