#!/usr/bin/env node
import { DEFAULT_LANG, messagesFor } from '../messages';
import { execCommand } from '../schedule/windows';
import { keepsWindowOpen, parentFrom, parentQuery, type Parent } from './console-window';
import { main } from './program';

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
  // In a console window of its own (double-clicked, runas) the wizard's last words would vanish with the window.
  const keepsOpen = (p: Parent) => keepsWindowOpen(argv, { interactive: isInteractive(), platform: process.platform }, p);
  if (process.platform === 'win32' && keepsOpen('other') && keepsOpen(await parent())) {
    const lang = argv.some((a, i) => a === '--lang=en' || (a === '--lang' && argv[i + 1] === 'en')) ? 'en' : DEFAULT_LANG;
    process.stdout.write(`\n${messagesFor(lang).pressEnterToClose}\n`);
    const line = process.getBuiltinModule('node:readline').createInterface({ input: process.stdin });
    await new Promise((done) => line.once('line', done).once('close', done));
    line.close();
  }
});

/** What started this process; asked only when setup ends on Windows. */
async function parent(): Promise<Parent> {
  try {
    process.kill(process.ppid, 0);
  } catch {
    return 'gone';
  }
  return execCommand(parentQuery(process.ppid)).then(
    (r) => (r.code === 0 ? parentFrom(r.stdout) : 'other'),
    () => 'other',
  );
}
