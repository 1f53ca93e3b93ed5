#!/usr/bin/env node
import { DEFAULT_LANG, messagesFor } from '../../wizard/messages';
import { main, startsWizard } from './program';

// Node's deprecation notices (tedious names an IP address as TLS server name) mean nothing to an admin.
process.noDeprecation = true;

// Certificates are always checked: Node's TLS would read this variable on every connection, so it goes before any
// connection is made. The copy in io.env lets doctor and the run log say it was set and ignored.
const env = { ...process.env };
delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;

const argv = process.argv.slice(2);
// Asked only when needed: opening stdin at start costs every command, `--version` included.
let interactive: boolean | undefined;
const isInteractive = () => (interactive ??= Boolean(process.stdin.isTTY && process.stdout.isTTY));

// No top-level await: the packed binary bundles this file as CommonJS (build/bundle.mjs).
void main(argv, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  now: () => new Date(),
  env,
  sleep: (ms, signal) => process.getBuiltinModule('node:timers/promises').setTimeout(ms, undefined, signal ? { signal } : {}),
  random: Math.random,
  get interactive() {
    return isInteractive();
  },
}).then(async (code) => {
  process.exitCode = code;
  // Double-clicked in Explorer, the exe starts the wizard in a console window of its own, which
  // closes the moment the exe ends: keep the wizard's last words on screen until Enter.
  if (process.platform === 'win32' && startsWizard(argv, { interactive: isInteractive() })) {
    process.stdout.write(`\n${messagesFor(DEFAULT_LANG).pressEnterToClose}\n`);
    const line = process.getBuiltinModule('node:readline').createInterface({ input: process.stdin });
    await new Promise((done) => line.once('line', done).once('close', done));
    line.close();
  }
});
