/**
 * The floor of the benchmark: the time it takes just to read the data. It
 * connects with mssql as the product does (src/extract/sql-source.ts: same
 * options, TLS with the configured CA), begins one transaction at SNAPSHOT
 * isolation and streams the product's default queries, in its order and with
 * its history_from parameter, counting the rows and keeping none. Then it
 * rolls back, closes and prints "<N> rows".
 *
 *   node dist/bench-floor.cjs CONFIG.json YYYY-MM-DD   (bundled by test/bench/run.ts)
 *
 * CONFIG.json is a run's configuration with a `sql` source; the password is
 * in the environment variable its passwordEnv names. The file is read as
 * plain JSON, without the product's validation: nothing here but reading.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import sql from 'mssql';
import { addDays, utcMidnight } from '../../src/calendar-date';
import { HISTORY_DAYS, loadQueries } from '../../src/extract/sql-source';
import { checkTds8Certificates } from '../../src/extract/tds8-certificate';
import { ours } from '../../src/safe-text';
import { trustedCas } from '../../src/tls-trust';

interface Source { host: string; port: number; database: string; user: string; passwordEnv: string; caFile: string }

// A function, not top-level await: the bundle is CommonJS.
async function main(configFile: string, syncDate: string): Promise<void> {
  const source = (JSON.parse(readFileSync(configFile, 'utf8')) as { source: Source }).source;
  const password = process.env[source.passwordEnv];
  if (password === undefined) throw new Error(`${source.passwordEnv} is not set`);

  const queries = await loadQueries({});
  const historyFrom = utcMidnight(addDays(syncDate, -HISTORY_DAYS));
  await checkTds8Certificates();
  // The product's connectionConfig() with the configuration's defaults (src/configure/config.ts).
  const pool = new sql.ConnectionPool({
    server: source.host,
    port: source.port,
    database: source.database,
    user: source.user,
    password,
    connectionTimeout: 15_000,
    requestTimeout: 300_000,
    pool: { min: 0, max: 1 },
    options: {
      encrypt: true,
      trustServerCertificate: false,
      readOnlyIntent: true,
      appName: 'procapita-sync',
      cryptoCredentialsDetails: { ca: await trustedCas(resolve(dirname(configFile), source.caFile), ours('source.caFile')) },
    },
  });
  await pool.connect();
  const tx = new sql.Transaction(pool);
  await tx.begin(sql.ISOLATION_LEVEL.SNAPSHOT);

  let rows = 0;
  for (const q of queries) {
    await new Promise<void>((done, fail) => {
      const request = new sql.Request(tx);
      request.stream = true;
      request.input('history_from', sql.Date, historyFrom);
      request.on('row', () => void rows++);
      request.on('error', fail);
      request.on('done', () => done());
      void request.query(q.text);
    });
  }
  await tx.rollback();
  await pool.close();
  console.log(`${rows} rows`);
}

const [configFile, syncDate] = process.argv.slice(2);
if (!configFile || !syncDate) {
  console.error('usage: node dist/bench-floor.cjs CONFIG.json YYYY-MM-DD');
  process.exit(2);
}
main(configFile, syncDate).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
