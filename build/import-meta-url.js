// import.meta.url in the CommonJS bundle (build/bundle.mjs injects this). The bundle
// lies in <root>/dist/. Every source module that reads import.meta.url sits at
// src/<folder>/<file>.ts and finds the project root as '../..', so the bundle
// poses as a module two folders down: <root>/src/bundle/bundle.js.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const importMetaUrl = pathToFileURL(join(__dirname, '..', 'src', 'bundle', 'bundle.js')).href;
