// The guides `procapita-sync help TOPIC` prints, inside the bundle: esbuild loads a
// module holding their text in place of src/cli/guide-text.ts, which reads them
// from docs/. The packed exe then needs no docs/ beside it, and a guide is the
// file in docs/ at the commit built (test/cli/help.test.ts runs this plugin).
// Only the guides in src/cli/guides.json (English, and the Swedish ones it names): docs/building.md, for one, names the
// sentinel pkg injects the program at, which must occur once in the binary.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The esbuild plugin; `root` is the project folder. */
export function embedGuides(root) {
  return {
    name: 'embed-guides',
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/]cli[\\/]guide-text\.ts$/ }, () => {
        const files = JSON.parse(readFileSync(join(root, 'src/cli/guides.json'), 'utf8')).flatMap((g) => [g.doc, ...(g.sv ? [g.sv] : [])].map((doc) => `${doc}.md`));
        // A guide the table names but docs/ lacks fails the build here (ENOENT).
        const texts = Object.fromEntries(files.map((f) => [f, readFileSync(join(root, 'docs', f), 'utf8')]));
        return {
          loader: 'js',
          contents: [
            `const TEXTS = ${JSON.stringify(texts)};`,
            'export function guideText(file) {',
            "  if (!Object.hasOwn(TEXTS, file)) throw new Error(`docs/${file} is not in the bundle`);",
            '  return TEXTS[file];',
            '}',
          ].join('\n'),
          watchFiles: [join(root, 'src/cli/guides.json'), ...files.map((f) => join(root, 'docs', f))],
        };
      });
    },
  };
}
