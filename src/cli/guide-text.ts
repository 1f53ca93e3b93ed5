import { readFileSync } from 'node:fs';

/**
 * A guide's Markdown, by its path under docs/. Run from source (tsx, tests) it
 * is read from the repository. The packed exe has no docs/ folder, so
 * build/embed-guides.mjs puts a module holding every guide's text in place of
 * this one when the program is bundled (docs/building.md).
 */
export function guideText(file: string): string {
  return readFileSync(new URL(`../../docs/${file}`, import.meta.url), 'utf8');
}
