import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const recorder = fileURLToPath(new URL('./record-imports.mjs', import.meta.url));

/** The packages that take long to load: only the commands that use them may load them (issue 15, start-up). */
const HEAVY = ['mssql', 'tedious', 'ldapts', '@inquirer/prompts', 'pino', 'pino-roll', 'undici'];

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('--version loads none of the heavy packages', async () => {
  dir = await mkdtemp(join(tmpdir(), 'procapita-sync-start-up-'));
  const record = join(dir, 'imports.txt');
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--import', recorder, 'src/cli/main.ts', '--version'], {
    cwd: root,
    env: { ...process.env, RECORD_IMPORTS: record },
  });
  expect(stdout).toMatch(/^procapita-sync /);
  const packages = new Set(
    (await readFile(record, 'utf8'))
      .split('\n')
      .map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1])
      .filter((name) => name !== undefined),
  );
  // The recorder sees what the program imports: commander at least.
  expect(packages).toContain('commander');
  expect(HEAVY.filter((name) => packages.has(name))).toEqual([]);
});
