// Bundles src/cli/main.ts into one CommonJS file for the packed binaries.
// Usage: node build/bundle.mjs <outfile> <commit> <ISO build date>
// CommonJS, because the embedded program of a Node single executable must be
// CommonJS (and ESM output cannot require() Node's built-ins from bundled CJS code).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const [outfile, commit, date] = process.argv.slice(2);
if (!outfile || !commit || !date) {
  console.error('usage: node build/bundle.mjs <outfile> <commit> <date>');
  process.exit(2);
}
const root = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/** src/build-info.ts in the binary: the commit and date instead of the whole package.json. */
const buildInfo = {
  name: 'build-info',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]build-info\.ts$/ }, async (args) => {
      const source = readFileSync(args.path, 'utf8');
      const info = JSON.stringify({ version, commit, date });
      return {
        loader: 'ts',
        contents: source
          .replace(/^import packageJson .*$/m, '')
          .replace(/= \{ version: packageJson\.version \};/, `= ${info};`),
      };
    });
  },
};

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  // keytar loads its .node file from a path next to itself: it stays a real package beside the bundle.
  external: ['@github/keytar'],
  // jsonc-parser's "main" is a UMD build whose require()s of its own parts esbuild cannot follow; its ES build can be bundled.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
  // import.meta.url is empty in CommonJS; build/import-meta-url.js stands in for it.
  define: { 'import.meta.url': 'importMetaUrl' },
  inject: ['build/import-meta-url.js'],
  // Before any module runs: reading process.title on a Windows console under Wine trips a libuv
  // assertion, and a dependency of tedious reads it while loading. Setting it first avoids that.
  banner: { js: "process.title = 'procapita-sync';" },
  plugins: [buildInfo],
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});

const text = readFileSync(outfile, 'utf8');
if (!text.includes(`"commit": ${JSON.stringify(commit)}`)) {
  console.error('bundle: the build information did not replace src/build-info.ts');
  process.exit(1);
}
const bytes = Object.values(result.metafile.outputs)[0].bytes;
console.log(`bundle: ${outfile} (${(bytes / 1e6).toFixed(1)} MB)`);
