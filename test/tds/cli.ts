/**
 * The TDS test server by hand, e.g. to point the product or FreeTDS at a fixture:
 *   npm run tds-server -- --fixture assets/demo/municipality.json [--port N] [--user U --password P] [--tls]
 * Runs until Ctrl-C. A test server: the default password is fixed and printed.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openFixtureDatabase } from './database';
import { startTdsServer } from './server';

const TEST_PASSWORD = 'Test-only 2026!';
const USAGE = 'usage: npm run tds-server -- --fixture FILE [--port N] [--host H] [--user U --password P] [--tls]';

function parsed() {
  try {
    return parseArgs({
      options: {
        fixture: { type: 'string' },
        port: { type: 'string', default: '0' },
        host: { type: 'string', default: '127.0.0.1' },
        user: { type: 'string', default: 'procapita_reader' },
        password: { type: 'string' },
        tls: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (err) {
    // An unknown or incomplete option: say which, and how it is used, without a stack.
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

const args = parsed();
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!args.fixture || !/^\d+$/.test(args.port)) {
  console.error(USAGE);
  process.exit(2);
}

const password = args.password ?? process.env.TDS_PASSWORD ?? TEST_PASSWORD;
const cert = (file: string) => readFileSync(new URL(`../certs/${file}`, import.meta.url));
const server = await startTdsServer({
  db: openFixtureDatabase(JSON.parse(readFileSync(args.fixture, 'utf8'))),
  host: args.host,
  port: Number(args.port),
  logins: { [args.user]: password },
  ...(args.tls ? { tls: { key: cert('server.key'), cert: cert('server.crt') } } : {}),
});

const shown = args.password ? '(from --password)' : process.env.TDS_PASSWORD ? '(from TDS_PASSWORD)' : TEST_PASSWORD;
console.log(`TDS test server listening on ${args.host}:${server.port}`);
console.log(`database ProCapita, user ${args.user}, password ${shown}`);
console.log(args.tls ? 'TLS: test/certs/server.crt, signed by test/certs/ca.crt (encrypt true or strict)' : 'TLS: off (encrypt: false); add --tls for TLS');
console.log('Ctrl-C stops it.');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void server.close().then(() => process.exit(0)));
}
