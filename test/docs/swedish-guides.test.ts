// The Swedish admin guides in docs/sv/ are translations of three English pages; these tests keep
// them in step, and show that each check finds a planted difference.
import { dirname, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GUIDES, SV_INDEX, brokenLinks, compareGuides, englishLeftovers, parse, read, resolveLink, unknownScreenTexts } from './swedish-guides';

describe('the Swedish admin guides stay in step with their English sources', () => {
  for (const [en, sv] of GUIDES) {
    it(`${sv} has the same inline code, code blocks, heading levels, table shapes and link targets as ${en}`, () => {
      expect(compareGuides({ path: en, text: read(en) }, { path: sv, text: read(sv) })).toEqual([]);
    });

    it(`${sv} has no leftover English sentence`, () => {
      expect(englishLeftovers(read(sv))).toEqual([]);
    });

    it(`${sv} quotes the wizard's Swedish screen texts as src/messages/sv.ts has them`, () => {
      expect(unknownScreenTexts(read(sv), read('src/messages/sv.ts'))).toEqual([]);
    });

    it(`${en} points to ${sv} at its top`, () => {
      const line = read(en).split('\n').slice(0, 4).find((l) => l.startsWith('På svenska:'));
      expect(line).toBe(`På svenska: [${sv}](${relative(dirname(en), sv)})`);
    });

    it(`${sv} points back to ${en} at its top`, () => {
      const line = read(sv).split('\n').slice(0, 4).find((l) => l.startsWith('På engelska:'));
      expect(line).toBe(`På engelska: [${en}](${relative(dirname(sv), en)})`);
    });
  }

  it('every relative link of the Swedish pages and their English sources leads to a file and a heading that exist', () => {
    const pages = [...GUIDES.flat(), SV_INDEX, 'README.md'];
    expect(pages.flatMap((p) => brokenLinks(p, read(p)))).toEqual([]);
  });

  it('the Swedish index lists the three guides and links the English reference pages', () => {
    const links = parse(read(SV_INDEX)).links.map((l) => resolveLink(SV_INDEX, l).file);
    for (const [, sv] of GUIDES) expect(links).toContain(sv);
    for (const ref of ['docs/configuration.md', 'docs/exit-codes.md', 'docs/rules.md', 'docs/snapshot-format.md']) expect(links).toContain(ref);
  });

  it('README.md links the Swedish guides', () => {
    expect(parse(read('README.md')).links).toContain('docs/sv/README.md');
  });
});

describe('the checks catch a planted difference', () => {
  const [en, sv] = GUIDES[0]!;
  const english = { path: en, text: read(en) };
  const swedish = read(sv);
  const plant = (from: string, to: string) => {
    expect(swedish).toContain(from);
    return { path: sv, text: swedish.replace(from, to) };
  };

  it('an inline code span changed', () => {
    expect(compareGuides(english, plant('`--lang en`', '`--language en`'))).toEqual([
      `inline code in ${en} missing from ${sv} (or there fewer times): \`--lang en\``,
      `inline code in ${sv} not in ${en} (or there fewer times): \`--language en\``,
    ]);
  });

  it('an inline code span left out once', () => {
    expect(compareGuides(english, plant('`db_datareader`', 'db_datareader'))).toEqual([
      `inline code in ${en} missing from ${sv} (or there fewer times): \`db_datareader\``,
    ]);
  });

  it('a line of a code block changed', () => {
    const problems = compareGuides(english, plant('Select-String procapita-sync.exe .\\SHA256SUMS', 'Select-String procapita-sync.exe SHA256SUMS'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^code block 2 differs:/);
  });

  it('a heading at another level', () => {
    const problems = compareGuides(english, plant('\n### Skriptad installation', '\n## Skriptad installation'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^heading levels differ:/);
  });

  it('a table row with a cell too many, and a table row left out', () => {
    const extraCell = compareGuides(english, plant('| programmet | ', '| programmet | exe | '));
    expect(extraCell).toHaveLength(1);
    expect(extraCell[0]).toMatch(/^tables differ \(cells per row\):\n.*\n.* 3( 2)+$/);
    const rowLeftOut = compareGuides(english, plant('| programmet | `C:\\Program Files\\procapita-sync\\procapita-sync.exe` |\n', ''));
    expect(rowLeftOut.filter((p) => p.startsWith('tables differ'))).toHaveLength(1);
  });

  it('a link to another page, and a link to a page that does not exist', () => {
    const changed = plant('](../scheduling.md)', '](../rules.md)');
    expect(compareGuides(english, changed)).toEqual([
      `${en} links to docs/scheduling.md, ${sv} does not (or fewer times)`,
      `${sv} links to docs/rules.md, ${en} does not (or fewer times)`,
    ]);
    expect(brokenLinks(sv, swedish.replace('](../scheduling.md)', '](scheduling.md)'))).toEqual([
      `${sv}: the link scheduling.md leads to docs/sv/scheduling.md, which does not exist`,
    ]);
  });

  it('an anchor with no heading', () => {
    expect(brokenLinks(sv, swedish.replace('(#filer)', '(#files)'))).toEqual([`${sv}: the link #files: ${sv} has no heading with the anchor #files`]);
  });

  it('an English sentence left in the Swedish text', () => {
    const text = plant('## Filer\n', '## Filer\n\nThe service account needs write access to both.\n').text;
    expect(englishLeftovers(text)).toEqual([expect.stringMatching(/^line \d+ \(the, to\): The service account needs write access to both\.$/)]);
  });

  it('a quoted screen text that the wizard does not show', () => {
    const text = plant('”Gå igenom allt”', '”Gå igenom alla steg”').text;
    expect(unknownScreenTexts(text, read('src/messages/sv.ts'))).toEqual(['Gå igenom alla steg']);
  });
});
