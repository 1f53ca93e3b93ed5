// node --import tsx --import ./record-imports.mjs …: appends every URL the ES module loader
// resolves to the file named by RECORD_IMPORTS, so a test can see which packages a command loaded.
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

// This same file holds the hooks, which Node runs on a thread of their own.
if (isMainThread) register(import.meta.url);

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.RECORD_IMPORTS, `${resolved.url}\n`);
  return resolved;
}
