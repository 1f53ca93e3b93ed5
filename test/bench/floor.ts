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
 * in the environment variable its passwordEnv names.
 */
import sql from 'mssql';
import { addDays, utcMidnight } from '../../src/calendar-date';
import { loadConfig } from '../../src/configure/config';
import { connectionConfig, HISTORY_DAYS, loadQueries } from '../../src/extract/sql-source';
import { safe } from '../../src/safe-text';
import { trustedCas } from '../../src/tls-trust';

// A function, not top-level await: the bundle is CommonJS.
async function main(configFile: string, syncDate: string): Promise<void> {
  const { source } = await loadConfig(configFile);
  if (source.type !== 'sql') throw new Error('the floor reads a sql source');
  const password = source.passwordEnv === undefined ? undefined : process.env[source.passwordEnv];
  if (password === undefined) throw new Error('the password is not in the environment variable source.passwordEnv names');

  const queries = await loadQueries({});
  const historyFrom = utcMidnight(addDays(syncDate, -HISTORY_DAYS));
  // The product's own connection options (and its TDS 8 certificate check).
  const ca = source.caFile ? await trustedCas(source.caFile, safe`source.caFile`) : undefined;
  const pool = new sql.ConnectionPool(await connectionConfig(source, password, ca));
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
