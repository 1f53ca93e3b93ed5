#!/usr/bin/env node
import { main } from './program';

// Node's deprecation notices (tedious names an IP address as TLS server name) mean nothing to an admin.
process.noDeprecation = true;

// No top-level await: the packed binary bundles this file as CommonJS (build/bundle.mjs).
void main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  now: () => new Date(),
  env: process.env,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
  interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
}).then((code) => {
  process.exitCode = code;
});
