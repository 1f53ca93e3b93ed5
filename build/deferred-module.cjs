// Loads a deferred group of packages (build/bundle.mjs) the first time the
// program imports one of them, from deferred/<group>.cjs beside the program
// (inside a packed binary, from its embedded files). A group needs only Node's
// built-in modules, which `require` here always reaches, also in a single
// executable, whose require knows only the built-ins.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { compileFunction } = require('node:vm');

const loaded = new Map();

exports.load = (group) => {
  if (!loaded.has(group)) {
    const file = join(__dirname, 'deferred', `${group}.cjs`);
    const module = { exports: {} };
    const run = compileFunction(readFileSync(file, 'utf8'), ['exports', 'require', 'module', '__filename', '__dirname'], { filename: file });
    run(module.exports, require, module, file, __dirname);
    loaded.set(group, module.exports);
  }
  return loaded.get(group);
};
