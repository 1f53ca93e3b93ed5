// The guides `procapita-sync help TOPIC` prints, inside the bundle: esbuild loads a
// module holding the text of every Markdown file under docs/ in place of
// src/cli/guide-text.ts, which reads them from the repository. The packed exe
// then needs no docs/ beside it, and a guide cannot differ from its file in docs/
// at the commit built (test/cli/help.test.ts runs this plugin to check).
// All of docs/ (about 0.2 MB), so a new topic or language needs no change here.
import { readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';

/** The esbuild plugin; `root` is the project folder. */
export function embedGuides(root) {
  return {
    name: 'embed-guides',
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/]cli[\\/]guide-text\.ts$/ }, () => {
        const docs = join(root, 'docs');
        const files = readdirSync(docs, { recursive: true })
          .filter((f) => f.endsWith('.md'))
          .sort();
        const texts = Object.fromEntries(files.map((f) => [f.split(sep).join('/'), readFileSync(join(docs, f), 'utf8')]));
        return {
          loader: 'js',
          contents: [
            `const TEXTS = ${JSON.stringify(texts)};`,
            'export function guideText(file) {',
            "  if (!Object.hasOwn(TEXTS, file)) throw new Error(`docs/${file} is not in the bundle`);",
            '  return TEXTS[file];',
            '}',
          ].join('\n'),
          watchFiles: files.map((f) => join(docs, f)),
        };
      });
    },
  };
}
