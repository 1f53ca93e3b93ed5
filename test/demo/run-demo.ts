/**
 * `npm run demo`: the real `run` command, over TCP, against the TDS test
 * server holding the generated medium-sized demo municipality, uploading to
 * the reference receiver over HTTPS. Keeps a copy of the snapshot in
 * demo-output/ and stops both servers.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/program';
import { openFixtureDatabase } from '../tds/database';
import { startReceiver } from '../receiver/receiver';
import { startTdsServer } from '../tds/server';
import { generateMunicipality } from './generate';

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = resolve(root, 'demo-output');
const certs = join(root, 'test/certs');
// A throwaway password for a throwaway server; it reaches `run` the way a real one does, through the environment.
const password = 'demo-only-password';

const { fixture, schools, syncDate, name } = generateMunicipality('medium');
const server = await startTdsServer({
  db: openFixtureDatabase(fixture),
  logins: { procapita_reader: password },
  tls: { key: readFileSync(join(certs, 'server.key')), cert: readFileSync(join(certs, 'server.crt')) },
});

const apiKey = 'demo-only-api-key';
const receiver = await startReceiver({ apiKeys: [apiKey] });

// Each demo starts a new receiver, which holds nothing: the state of an earlier demo would say the roster was
// delivered already, and the run would send nothing (an unchanged roster). So each demo starts from none.
rmSync(join(out, 'state'), { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const configPath = join(out, 'config.json');
const config = {
  source: { type: 'sql', host: 'localhost', port: server.port, database: 'ProCapita', user: 'procapita_reader', passwordEnv: 'PROCAPITA_SQL_PASSWORD', caFile: join(certs, 'ca.crt') },
  target: { type: 'https', url: `${receiver.url}/v1/snapshots`, apiKeyEnv: 'PROCAPITA_API_KEY', caFile: join(certs, 'ca.crt') },
  schools,
  // Beside the config: the lock, the baseline and last-run.json, and the daily logs.
  stateDir: 'state',
  logDir: 'logs',
};
writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
const units = new Set(schools.map((s) => s.unitCode)).size;
process.stdout.write(`Demo municipality ${name}: ${fixture.person.length} persons, ${units} configured school units, served over TLS by the TDS test server at localhost:${server.port}; uploads go to the reference receiver at ${receiver.url}.\n\n`);

let code = 1;
const io = {
  stdout: (text: string) => process.stdout.write(text),
  stderr: (text: string) => process.stderr.write(text),
  now: () => new Date(),
  env: { ...process.env, PROCAPITA_SQL_PASSWORD: password, PROCAPITA_API_KEY: apiKey },
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};
try {
  code = await main(['run', '--config', configPath, '--date', syncDate], io);
  process.stdout.write(`\n$ procapita-sync status --config ${configPath}\n`);
  await main(['status', '--config', configPath], io);
  const stored = receiver.imports[0];
  if (code === 0 && stored) {
    const file = join(out, 'snapshot.json');
    writeFileSync(file, `${JSON.stringify(stored.snapshot, null, 1)}\n`);
    process.stdout.write(`The receiver stored import ${stored.importId}; a copy of the snapshot is in ${file}.\n`);
  }
} finally {
  await Promise.all([server.close(), receiver.close()]);
}
process.exitCode = code;
