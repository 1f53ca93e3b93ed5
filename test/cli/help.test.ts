/**
 * `procapita-sync help [TOPIC]`: the guides inside the program, through the
 * real command line. And no message a user can see names a file of the
 * source repository (docs/x.md), which the admin with only the exe lacks.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as esbuild from 'esbuild';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { GUIDES, renderGuide } from '../../src/cli/help';
import { ROOT, runCli, spawnCli } from '../support/cli';

const doc = (file: string) => readFileSync(join(ROOT, 'docs', file), 'utf8');
const fileOf = (topic: string) => `${GUIDES.find((g) => g.topic === topic)!.doc}.md`;

/** Each guide's first heading, and a section heading further down, as the terminal shows them. */
const EXPECTED: Record<string, { title: string; section: string }> = {
  installation: { title: 'Installing procapita-sync on Windows', section: 'Before you start' },
  configuration: { title: 'Configuration', section: 'Credentials' },
  'exit-codes': { title: 'Exit codes', section: '| 12 | heldByGuard |' },
  operations: { title: 'Operations', section: 'The deletion guard' },
  scheduling: { title: 'Scheduling the nightly run', section: 'Reading the last result' },
  'email-mapping': { title: 'E-mail addresses and the mapping table', section: 'Building it from Active Directory' },
  privacy: { title: 'Privacy: what procapita-sync reads, keeps, writes and sends', section: 'What is kept on the server' },
  rules: { title: 'Eligibility rules', section: 'Student' },
  'procapita-schema': { title: 'The ProCapita data model and the column contract', section: 'Adapting to a real ProCapita' },
  fixtures: { title: 'Fixtures: ProCapita rows in a JSON file', section: 'Making one for a support case' },
  'upload-api': { title: 'Upload API', section: 'Authentication' },
  'snapshot-format': { title: 'Snapshot format v1', section: 'The content hash' },
  glossary: { title: 'Glossary: Swedish terms and the names used in the code', section: 'School forms (skolformer)' },
};

const COMMANDS = ['run', 'status', 'report', 'approve', 'explain', 'ad-mapping', 'credentials', 'setup', 'schedule', 'doctor', 'help'];

describe('help TOPIC prints the guide', () => {
  it('has the topics the admin needs, each a file in docs/, none named like a command', () => {
    expect(GUIDES.map((g) => g.topic)).toEqual(Object.keys(EXPECTED));
    for (const g of GUIDES) expect(statSync(join(ROOT, 'docs', `${g.doc}.md`)).isFile(), g.doc).toBe(true);
    expect(GUIDES.filter((g) => COMMANDS.includes(g.topic))).toEqual([]);
  });

  for (const [topic, { title, section }] of Object.entries(EXPECTED)) {
    it(`help ${topic} --lang en: its title, a line further down, and the whole guide as plain text`, async () => {
      const r = await runCli(['help', topic, '--lang', 'en']);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout.startsWith(`${title}\n${'='.repeat(title.length)}\n\n`)).toBe(true);
      expect(r.stdout).toContain(section.startsWith('|') ? `\n${section}` : `\n${section}\n${'-'.repeat(section.length)}\n`);
      expect(r.stdout).toBe(renderGuide(doc(fileOf(topic)), fileOf(topic)));
      // Plain text in a Windows console, or in a file it is redirected to.
      expect(r.stdout).not.toMatch(/\x1b/);
      expect(r.stdout).not.toContain('<!--');
      // The Swedish page's link leads nowhere inside the exe; no empty line is doubled where it stood.
      expect(r.stdout).not.toContain('docs/sv/');
      expect(r.stdout).not.toMatch(/\n\n\n/);
    });
  }

  it('in Swedish by default: the three guides with a Swedish version, their links as help commands with "avsnittet"', async () => {
    const swedish = { installation: 'Installera procapita-sync på Windows', operations: 'Drift', 'email-mapping': 'E-postadresser och mappningstabellen' };
    expect(GUIDES.filter((g) => g.sv).map((g) => g.topic)).toEqual(Object.keys(swedish));
    for (const [topic, title] of Object.entries(swedish)) {
      const r = await runCli(['help', topic]);
      expect(r.code).toBe(0);
      expect(r.stdout.startsWith(`${title}\n${'='.repeat(title.length)}\n\n`), topic).toBe(true);
      const file = `${GUIDES.find((g) => g.topic === topic)!.sv}.md`;
      expect(r.stdout).toBe(renderGuide(doc(file), file));
      // The link back to the English page leads nowhere in the exe: --lang en prints that one.
      expect(r.stdout).not.toMatch(/På engelska|\]\(|\.md \(`|, section "/);
      expect(await runCli(['help', topic, '--lang', 'sv'])).toMatchObject({ stdout: r.stdout });
    }
    const install = (await runCli(['help', 'installation'])).stdout;
    // A link between the Swedish guides, and one into an English reference page, each with its section.
    expect(install).toContain('`procapita-sync help operations`, avsnittet "Windows händelselogg"');
    expect(install).toContain('`procapita-sync help configuration`, avsnittet "Several configurations on one server"');
  });

  it('a guide with no Swedish version is printed in English, and says so in Swedish first', async () => {
    const r = await runCli(['help', 'exit-codes']);
    expect(r.stdout).toBe(`(Den här guiden finns bara på engelska.)\n\n${renderGuide(doc('exit-codes.md'), 'exit-codes.md')}`);
    expect((await runCli(['help', 'exit-codes', '--lang', 'en'])).stdout).toBe(renderGuide(doc('exit-codes.md'), 'exit-codes.md'));
  });

  it('shows a link to another guide as the command that prints it, with the section', async () => {
    const r = await runCli(['help', 'exit-codes', '--lang', 'en']);
    expect(r.stdout).toContain('| 3 | config | the configuration file is missing, not JSON, or invalid | fix the named key; see `procapita-sync help configuration` |');
    expect(r.stdout).toContain('adapt the named query; see `procapita-sync help procapita-schema`, section "One row per key" |');
    expect(r.stdout).not.toMatch(/\]\(|\.md\b/);
  });

  it('finds the section of every link into another guide, so none loses its section name', () => {
    for (const g of GUIDES) {
      const markdown = doc(`${g.doc}.md`);
      const anchored = [...markdown.matchAll(/\]\(([\w-]+\.md)#[^)]+\)/g)].filter((m) => GUIDES.some((x) => `${x.doc}.md` === m[1]));
      expect(renderGuide(markdown).match(/`, section "/g)?.length ?? 0, g.doc).toBe(anchored.length);
    }
  });

  it('works run from source as a process of its own (npx tsx src/cli/main.ts help exit-codes)', async () => {
    const r = await spawnCli(['help', 'exit-codes', '--lang', 'en']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(renderGuide(doc('exit-codes.md')));
  });
});

describe('help with no topic, or a command', () => {
  it('lists the commands and the topics, one line each, the same as --help', async () => {
    const r = await runCli(['help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Usage: procapita-sync \[options\] \[command\]\n/);
    for (const name of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(r.stdout).toContain('\n`procapita-sync help exit-codes` says what to do about each.\n');
    const guides = r.stdout.slice(r.stdout.indexOf('\nGuides (procapita-sync help TOPIC; in Swedish where there is a Swedish version, --lang en for English):\n'));
    expect(guides.trim().split('\n').slice(1).map((line) => line.trim().split(/\s+/)[0])).toEqual(GUIDES.map((g) => g.topic));
    expect(guides).toContain('\n  exit-codes        what each exit code means, and what to do about it\n');
    expect((await runCli(['--help'])).stdout).toBe(r.stdout);
  });

  it("help COMMAND still prints that command's usage, as commander's own help command did", async () => {
    for (const words of [['run'], ['schedule'], ['schedule', 'install'], ['ad-mapping', 'build']]) {
      const r = await runCli(['help', ...words]);
      expect(r.code, words.join(' ')).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: procapita-sync ${words.join(' ')} `));
      expect(r.stdout).toBe((await runCli([...words, '--help'])).stdout);
    }
  });

  it('an unknown topic is a usage error (exit 2) that lists the topics and the commands', async () => {
    const r = await runCli(['help', 'exit-code']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `error: There is no help topic or command "exit-code". The topics: ${GUIDES.map((g) => g.topic).join(', ')}. The commands: ${COMMANDS.filter((c) => c !== 'help').join(', ')}. \`procapita-sync help\` lists both.\n`,
    );
    // A topic takes no more words.
    expect((await runCli(['help', 'exit-codes', 'run'])).code).toBe(2);
  });
});

describe('the guides inside the packed program', () => {
  it('are the files in docs/, byte for byte, and need no file beside the bundle', async () => {
    const { embedGuides } = (await import(new URL('../../build/embed-guides.mjs', import.meta.url).href)) as { embedGuides: (root: string) => esbuild.Plugin };
    const built = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: ['src/cli/guide-text.ts'],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      write: false,
      plugins: [embedGuides(ROOT)],
      logLevel: 'silent',
    });
    const module = { exports: {} as { guideText?: (file: string) => string } };
    // No require at all: the text is in the module, not read from a disk the exe does not have.
    new Function('module', 'exports', 'require', built.outputFiles[0]!.text)(module, module.exports, (id: string) => {
      throw new Error(`the embedded guides required ${id}`);
    });
    for (const g of GUIDES) expect(module.exports.guideText!(`${g.doc}.md`), g.doc).toBe(doc(`${g.doc}.md`));
    for (const g of GUIDES.filter((x) => x.sv)) expect(module.exports.guideText!(`${g.sv}.md`), g.sv).toBe(doc(`${g.sv}.md`));
    // Only the guides: docs/building.md names the sentinel pkg injects the program at, which must occur once in the binary.
    expect(() => module.exports.guideText!('building.md')).toThrow('docs/building.md is not in the bundle');
    expect(built.outputFiles[0]!.text).not.toContain('NODE_SEA_FUSE');
  });
});

/** The text of every string literal and template part in TypeScript source, with where it is; comments are not strings. */
function stringsIn(fileName: string, source: string): { where: string; text: string }[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const found: { where: string; text: string }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      found.push({ where: `${fileName}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`, text: node.text });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** Strings that name a Markdown file (docs/x.md, or x.md alone): a path in the source repository. */
const namingDocFiles = (fileName: string, source: string) => stringsIn(fileName, source).filter((s) => /[\w-]\.md\b/.test(s.text));

const sourceFiles = (dir: string, ext = '.ts'): string[] =>
  readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(ext))
    .map((f) => join(dir, f));

/** Every string in the JSON files beside the code (src/cli/guides.json's summaries are shown by `help`). */
const jsonStrings = (): { where: string; text: string }[] =>
  [...sourceFiles('src', '.json'), ...sourceFiles('wizard', '.json')].flatMap((f) => {
    const found: { where: string; text: string }[] = [];
    const visit = (x: unknown): void => {
      if (typeof x === 'string') found.push({ where: f, text: x });
      else if (x && typeof x === 'object') Object.values(x).forEach(visit);
    };
    visit(JSON.parse(readFileSync(join(ROOT, f), 'utf8')));
    return found;
  });

describe('messages name help topics, not files of the source repository', () => {
  it('the scan finds a docs/ path in every kind of string, and none in comments (a planted example)', () => {
    const planted = [
      '// A comment may say docs/exit-codes.md.',
      '/** So may docs/privacy.md, in a doc comment. */',
      "const a = 'See docs/configuration.md.';",
      'const b = "see exit-codes.md";',
      'const c = safe`Configuration ${file}: invalid. See docs/configuration.md.`;',
      'const d = `${what} (docs/scheduling.md) ${more}`;',
      'const e = `no path here, ${x}.md is a template part that names no file`;',
    ].join('\n');
    expect(namingDocFiles('planted.ts', planted).map((s) => s.where)).toEqual(['planted.ts:3', 'planted.ts:4', 'planted.ts:5', 'planted.ts:6']);
  });

  it('no string in src/ or wizard/ names a Markdown file', () => {
    const files = [...sourceFiles('src'), ...sourceFiles('wizard')];
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((f) => namingDocFiles(relative(ROOT, join(ROOT, f)), readFileSync(join(ROOT, f), 'utf8')));
    expect(found).toEqual([]);
    const json = jsonStrings();
    expect(json.map((s) => s.where)).toContain('src/cli/guides.json');
    expect(json.filter((s) => /[\w-]\.md\b/.test(s.text))).toEqual([]);
  });

  it('every `procapita-sync help X` in the program, the README and the docs names a topic or a command', () => {
    const known = new Set([...GUIDES.map((g) => g.topic), ...COMMANDS]);
    const code = [...sourceFiles('src'), ...sourceFiles('wizard')].flatMap((f) => stringsIn(f, readFileSync(join(ROOT, f), 'utf8'))).concat(jsonStrings());
    const prose = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)].map((f) => ({ where: f, text: readFileSync(join(ROOT, f), 'utf8') }));
    const named = [...code, ...prose].flatMap((s) => [...s.text.matchAll(/procapita-sync help ([a-z][\w-]*)/g)].map((m) => ({ where: s.where, topic: m[1]! })));
    expect(named.length).toBeGreaterThan(20);
    expect(named.filter((n) => !known.has(n.topic))).toEqual([]);
  });
});
