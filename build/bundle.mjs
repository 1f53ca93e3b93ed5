// Bundles src/cli/main.ts into one CommonJS file for the packed binaries.
// Usage: node build/bundle.mjs <outfile> <commit> <ISO build date>
// CommonJS, because the embedded program of a Node single executable must be
// CommonJS (and ESM output cannot require() Node's built-ins from bundled CJS code).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { embedGuides } from './embed-guides.mjs';

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

/**
 * Packages only some commands load (src imports them with `await import()`),
 * in groups that must share one copy (src/extract/tds8-certificate.ts patches
 * the tedious that mssql uses). They stay out of the program's file: V8
 * parses every function of a script at start, even those it never calls, and
 * these are two thirds of the program (issue 15: start-up within 2× of node).
 * So each group is bundled on its own into <outdir>/deferred/<group>.cjs,
 * which build/deferred-module.cjs compiles the first time it is imported;
 * build/build-exe.sh packs those files into the binaries beside the program.
 */
const DEFERRED = {
  sql: ['mssql', 'tedious'],
  https: ['undici'],
  ldap: ['ldapts'],
  prompts: ['@inquirer/prompts'],
  log: ['pino', 'pino-roll'],
  mail: ['nodemailer'],
  // Imported statically (src/configure/config.ts), but its members are reached only when a configuration is read.
  config: ['zod'],
};
/**
 * Packages src imports statically: their stand-in has a getter per export,
 * and the group is loaded on the first member used, not when the importing
 * module loads.
 */
const STATIC = new Set(['zod']);

/**
 * Built-in modules that packages in the program load at start but use only
 * in paths we never take: commander's child_process is for subcommands that
 * are programs of their own. Each stands in with a getter per export.
 */
const LAZY_BUILTINS = { 'node:child_process': /[\\/]node_modules[\\/]commander[\\/]/ };

/** A stand-in module whose exports are getters that load `load` on first use. */
const lazyModule = (load, names) =>
  `const load = () => ${load};\nmodule.exports = Object.defineProperties({}, {\n${names.map((n) => `${JSON.stringify(n)}: { enumerable: true, get: () => load()[${JSON.stringify(n)}] }`).join(',\n')}\n});`;
const groupOf = new Map(Object.entries(DEFERRED).flatMap(([group, names]) => names.map((name) => [name, group])));

/** Bundles a group into <outdir>/deferred/<group>.cjs: CommonJS that needs only Node's built-in modules. */
async function bundleGroup(group) {
  const entry = `module.exports = { ${DEFERRED[group].map((name) => `${JSON.stringify(name)}: require(${JSON.stringify(name)})`).join(', ')} };`;
  await esbuild.build({
    absWorkingDir: root,
    stdin: { contents: entry, resolveDir: root, loader: 'js', sourcefile: `deferred-${group}.js` },
    outfile: join(dirname(outfile), 'deferred', `${group}.cjs`),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    legalComments: 'none',
    logLevel: 'warning',
  });
}

const deferred = {
  name: 'deferred',
  setup(build) {
    const filter = new RegExp(`^(${[...groupOf.keys()].map((n) => n.replace(/[/@-]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter }, (args) => (args.importer.includes('node_modules') ? undefined : { path: args.path, namespace: 'deferred' }));
    build.onResolve({ filter: /^deferred-group:/ }, (args) => ({ path: args.path.slice('deferred-group:'.length), namespace: 'deferred-group' }));
    // A package: its member of the group.
    build.onLoad({ filter: /.*/, namespace: 'deferred' }, async (args) => {
      const member = `require(${JSON.stringify(`deferred-group:${groupOf.get(args.path)}`)})[${JSON.stringify(args.path)}]`;
      if (!STATIC.has(args.path)) return { loader: 'js', contents: `module.exports = ${member};` };
      return { loader: 'js', contents: lazyModule(member, Object.keys(await import(args.path))) };
    });
    for (const [builtin, importers] of Object.entries(LAZY_BUILTINS)) {
      build.onResolve({ filter: new RegExp(`^${builtin}$`) }, (args) => (importers.test(args.importer) ? { path: builtin, namespace: 'lazy-builtin' } : undefined));
    }
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, async (args) => ({ loader: 'js', contents: lazyModule(`require(${JSON.stringify(args.path)})`, Object.keys(await import(args.path))) }));
    // A group: bundled into its own file, loaded from there when first imported.
    build.onLoad({ filter: /.*/, namespace: 'deferred-group' }, async (args) => {
      await bundleGroup(args.path);
      return { resolveDir: root, loader: 'js', contents: `module.exports = require('./build/deferred-module.cjs').load(${JSON.stringify(args.path)});` };
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
  plugins: [buildInfo, deferred, embedGuides(root)],
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
