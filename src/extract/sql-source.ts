/**
 * The SQL Server source: runs the named queries against ProCapita through
 * mssql (tedious), read-only, inside one transaction, streaming every row.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type * as Mssql from 'mssql';
import type { RuleConfig, SqlSourceConfig } from '../configure/config';
import { secretOrigin, type Credentials } from '../configure/credentials';
import { addDays, utcMidnight } from '../calendar-date';
import { AppError, errnoOf, errorChain } from '../errors';
import { trustedCas, untrustedBecause } from '../tls-trust';
import { CONTRACT, queryPlace, type CalendarDate, type QueryName, type SourceRows } from './contract';
import { duplicateResolver, type Resolved } from './duplicates';
import { checkReadOnlyQuery } from './read-only-query';
import { contractRowReader } from './rows';
import { given, ours, safe, type SafeText } from '../safe-text';
import { checkTds8Certificates } from './tds8-certificate';

/** Rows that ended before this many days ahead of the sync date cannot pass a rule; the default queries leave them out. */
export const HISTORY_DAYS = 365;

/** mssql (and tedious under it) takes long to load: only the commands that talk to SQL Server load it. */
const loadMssql = async () => (await import('mssql')).default;

/**
 * Reading order. Parents come before the links that point at them, so that a
 * link whose parent the query left out can be dropped, and persons come last,
 * so that only persons something points at are kept: memory grows with what
 * is current, not with the register's history.
 */
const ORDER: readonly QueryName[] = [
  'schoolUnits',
  'schoolUnitForms',
  'classes',
  'groups',
  'activities',
  'classPlacements',
  'groupMemberships',
  'employments',
  'classStaff',
  'activityClasses',
  'activityGroups',
  'activityStaff',
  'persons',
];

export interface Query {
  readonly name: QueryName;
  readonly text: string;
  /** The site's own file, or undefined for the default in assets/queries. */
  readonly file?: string;
}

export async function loadQueries(custom: SqlSourceConfig['queries']): Promise<Query[]> {
  return Promise.all(
    ORDER.map(async (name) => {
      const file = custom[name];
      // A plain path, not a file: URL: the packed binary's embedded files answer only to paths.
      const path = file ?? fileURLToPath(new URL(`../../assets/queries/${name}.sql`, import.meta.url));
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        throw new AppError('config', safe`Query ${name}: cannot read ${given(path)} (${errnoOf(err)}). Check source.queries.${name} in the configuration.`);
      }
      // Before any connection: run, doctor and the wizard all refuse a file that would do more than read.
      const verdict = checkReadOnlyQuery(text);
      if (!verdict.ok) {
        throw new AppError(
          'config',
          safe`Query ${ours(name)} (${given(path)}), line ${verdict.line}: the file ${verdict.problem}. A query file holds exactly one SELECT statement (or WITH … SELECT) and nothing that writes or runs code (see \`procapita-sync help procapita-schema\`). Check source.queries.${ours(name)} in the configuration.`,
        );
      }
      return { name, text: verdict.statement, ...(file ? { file } : {}) };
    }),
  );
}

type Log = (line: SafeText) => void;

/** Turns mssql's errors into messages that say what to check. Never includes a password. `origin`: where the password came from (Credentials.origin). */
function explainSqlError(err: unknown, cfg: SqlSourceConfig, during: SafeText, origin = secretOrigin('sqlPassword', cfg.passwordEnv)): AppError {
  if (err instanceof AppError) return err;
  const e = err as { code?: string; number?: number; message?: string };
  const where = cfg.instanceName ? given(`${cfg.host}\\${cfg.instanceName}`) : given(`${cfg.host}:${cfg.port ?? 1433}`);
  const [user, database, host] = [given(cfg.user), given(cfg.database), given(cfg.host)];
  const { codes: cause, messages: inner } = errorChain(err);

  if (e.number === 18456 || e.code === 'ELOGIN') {
    // A missing database also ends in 18456: SQL Server sends 4060 first, and tedious keeps only the last error.
    return new AppError(
      'accessDenied',
      safe`SQL Server at ${where} refused the login for user '${user}'. Check the SQL account and its password (${origin}), and that database '${database}' exists and the account may open it.`,
      'sqlLoginRefused',
    );
  }
  if (e.number === 229 || e.number === 230) {
    // A schema name from the server's message, not a value.
    const object = /object '([^']+)'/.exec(inner)?.[1];
    return new AppError('accessDenied', safe`User '${user}' may not read ${object ? safe`table ${ours(object)}` : 'a table'} in ProCapita (SELECT permission denied). Grant the account db_datareader, or SELECT on that table.`);
  }
  const detail = untrustedBecause(`${cause} ${inner}`);
  if (detail) {
    return new AppError(
      'sourceUnavailable',
      safe`The TLS certificate of SQL Server at ${where} is not trusted: ${detail}. Put the server's CA certificate in a file and name it in source.caFile, or set source.trustServerCertificate to true if you accept an unverified connection.`,
      'sqlCertificate',
    );
  }
  if (e.code === 'ETIMEOUT' && during === 'connect') {
    return new AppError('sourceUnavailable', safe`SQL Server at ${where} did not answer within ${cfg.connectTimeoutSeconds} s. Check the host name, that the firewall lets this machine reach TCP port ${cfg.port ?? 1433}, and that SQL Server is running; raise source.connectTimeoutSeconds on a slow network.`, 'sqlUnreachable');
  }
  if (e.code === 'ETIMEOUT') {
    return new AppError('sourceUnavailable', safe`ProCapita did not finish ${during} within ${cfg.requestTimeoutSeconds} s. Nothing was written. Raise source.requestTimeoutSeconds, or run outside busy hours.`);
  }
  if (/ECONNREFUSED/.test(cause + inner)) {
    return new AppError('sourceUnavailable', safe`Nothing is listening at ${where} (connection refused). Check the host and port, that SQL Server accepts TCP connections, and that the firewall allows port ${cfg.port ?? 1433}.`, 'sqlUnreachable');
  }
  if (/ENOTFOUND|EAI_AGAIN/.test(cause + inner)) {
    return new AppError('sourceUnavailable', safe`The host name ${host} cannot be resolved. Check source.host.`, 'sqlHostUnknown');
  }
  if (during !== 'connect' && /ECONNRESET|ECONNCLOSED|ESOCKET|closed|ended/i.test(cause + inner)) {
    return new AppError('sourceUnavailable', safe`The connection to SQL Server at ${where} was lost while ${during}. Nothing was written; run again, and check the network if it keeps happening.`);
  }
  if (e.code === 'ESOCKET' || e.code === 'ECONNCLOSED') {
    return new AppError('sourceUnavailable', safe`Cannot connect to SQL Server at ${where} (${cause || 'socket error'}). Check the host, the port and the firewall (TCP port ${cfg.port ?? 1433}).`, 'sqlUnreachable');
  }
  // SQL Server's own message can quote a value it could not convert, so only its error number and the codes are shown.
  const number = typeof e.number === 'number' ? safe` (SQL Server error ${e.number})` : cause ? safe` (${cause})` : safe``;
  return new AppError('sourceUnavailable', safe`SQL Server at ${where} failed while ${during}${number}. Nothing was written; check the SQL Server log for this error, or run doctor.`);
}

/** The connection every read uses (also test/bench/floor.ts, so that the benchmark's floor connects as a run does). */
export async function connectionConfig(cfg: SqlSourceConfig, password: string, ca: string[] | undefined): Promise<Mssql.config> {
  // TDS 7 encryption: tedious passes rejectUnauthorized: !trustServerCertificate itself. TDS 8 needs this.
  await checkTds8Certificates();
  return {
    server: cfg.host,
    ...(cfg.instanceName ? {} : { port: cfg.port ?? 1433 }),
    database: cfg.database,
    user: cfg.user,
    password,
    connectionTimeout: cfg.connectTimeoutSeconds * 1000,
    requestTimeout: cfg.requestTimeoutSeconds * 1000,
    pool: { min: 0, max: 1 },
    options: {
      encrypt: cfg.encrypt as boolean, // tedious also takes 'strict' (TDS 8); mssql's types predate it
      trustServerCertificate: cfg.trustServerCertificate,
      readOnlyIntent: true, // ApplicationIntent=ReadOnly: a readable secondary may answer, and nothing may write
      appName: 'procapita-sync',
      lowerCaseGuids: true, // the contract form of an id: no second copy of each GUID to lower-case it
      ...(cfg.instanceName ? { instanceName: cfg.instanceName } : {}),
      ...(ca ? { cryptoCredentialsDetails: { ca } } : {}),
    },
  };
}

/**
 * Runs one query and hands each row on as it arrives; nothing is collected here.
 * Resolves with the columns and the row count the server reported (none under SET NOCOUNT ON).
 */
async function streamRows(tx: Mssql.Transaction, text: string, historyFrom: CalendarDate, onRow: (row: Record<string, unknown>) => void): Promise<{ columns: Mssql.IColumnMetadata; reported?: number }> {
  const sql = await loadMssql();
  return new Promise((resolve, reject) => {
    const request = new sql.Request(tx);
    request.stream = true;
    request.input('history_from', sql.Date, utcMidnight(historyFrom));
    let failure: unknown;
    let columns: Mssql.IColumnMetadata = {};
    let reported: number | undefined;
    request.on('recordset', (c: Mssql.IColumnMetadata) => (columns = c));
    request.on('rowsaffected', (n: number) => (reported = (reported ?? 0) + n));
    request.on('row', (row: Record<string, unknown>) => {
      if (failure) return;
      try {
        onRow(row);
      } catch (err) {
        failure = err;
        request.cancel();
      }
    });
    request.on('error', (err: unknown) => {
      failure ??= err;
      // A lost connection brings no 'done'; any other error is followed by one, and the connection must be idle before the next request.
      if (/ECONNRESET|ECONNCLOSED|ESOCKET/.test(errorChain(err).codes)) reject(failure);
    });
    request.on('done', () => (failure ? reject(failure) : resolve({ columns, ...(reported !== undefined ? { reported } : {}) })));
    void request.query(text);
  });
}


/** The line of the query SQL Server named, when it did. */
const lineOf = (err: unknown): SafeText => {
  const line = (err as { lineNumber?: unknown }).lineNumber;
  return typeof line === 'number' && line > 0 ? safe`, line ${line}` : safe``;
};

const missingColumn = (message: string) => /Invalid column name '([^']+)'/.exec(message)?.[1];
const missingObject = (message: string) => /Invalid object name '([^']+)'/.exec(message)?.[1];

/**
 * Checks, before any row is read, that every query runs and returns every
 * contract column. A changed vendor schema must never look like "no students".
 */
async function checkSchema(tx: Mssql.Transaction, queries: readonly Query[], historyFrom: CalendarDate): Promise<void> {
  for (const q of queries) {
    const source = queryPlace(q.name, q.file);
    let columns: Mssql.IColumnMetadata;
    try {
      // Zero rows, full column metadata; both SQL Server and the test engine run it the same.
      ({ columns } = await streamRows(tx, `SELECT * FROM (\n${q.text}\n) AS q WHERE 1 = 0`, historyFrom, () => undefined));
    } catch (err) {
      const e = err as { number?: number; message?: string };
      const column = e.number === 207 ? missingColumn(e.message ?? '') : undefined;
      const object = e.number === 208 ? missingObject(e.message ?? '') : undefined;
      if (column) throw new AppError('schemaMismatch', safe`${source} lacks column ${ours(column)}: this ProCapita version needs adapted queries (see \`procapita-sync help procapita-schema\`)`);
      if (object) throw new AppError('schemaMismatch', safe`ProCapita has no table ${ours(object)} (query ${q.name}): this ProCapita version needs adapted queries (see \`procapita-sync help procapita-schema\`)`);
      if (e.number === 102 || e.number === 156) throw new AppError('schemaMismatch', safe`${q.file ? source : safe`Query ${q.name}`} is not valid SQL (SQL Server error ${e.number}${lineOf(err)}).`);
      throw err;
    }
    for (const column of Object.keys(CONTRACT[q.name].columns) as SafeText[]) {
      if (!(column in columns)) {
        throw new AppError(
          'schemaMismatch',
          q.file
            ? safe`${source} returns no column ${column}: each query must return the columns of the column contract (see \`procapita-sync help procapita-schema\`)`
            : safe`${source} lacks column ${column}: this ProCapita version needs adapted queries (see \`procapita-sync help procapita-schema\`)`,
        );
      }
    }
  }
}

/** Link rows point at a parent row; a link whose parent the query left out is dropped. */
const PARENT: Partial<Record<QueryName, readonly [QueryName, string]>> = {
  classPlacements: ['classes', 'class_id'],
  classStaff: ['classes', 'class_id'],
  groupMemberships: ['groups', 'group_id'],
  activityClasses: ['activities', 'activity_id'],
  activityGroups: ['activities', 'activity_id'],
  activityStaff: ['activities', 'activity_id'],
};

type AnyRow = Readonly<Record<string, unknown>>;

function keepFilter(name: QueryName, rows: Partial<Record<QueryName, readonly AnyRow[]>>, referenced: Set<string>): (row: AnyRow) => boolean {
  if (name === 'persons') return (row) => referenced.has(row.person_id as string);
  const parent = PARENT[name];
  if (!parent) return () => true;
  const [query, key] = parent;
  const ids = new Set((rows[query] ?? []).map((r) => r[key]));
  return (row) => ids.has(row[key]);
}

const PERSON_LINKS: readonly QueryName[] = ['classPlacements', 'groupMemberships', 'employments', 'classStaff', 'activityStaff'];

type TediousConnection = Parameters<NonNullable<Mssql.config['beforeConnect']>>[0];

/** `signal`: the run's deadline. When it aborts, every connection closes at once, whatever it was waiting for. */
export async function readSqlSource(cfg: SqlSourceConfig, schools: RuleConfig['schools'], credentials: Credentials, syncDate: CalendarDate, log: Log, signal?: AbortSignal): Promise<Resolved> {
  const queries = await loadQueries(cfg.queries);
  const password = await credentials.get('sqlPassword');
  const origin = credentials.origin?.('sqlPassword');
  const ca = cfg.caFile ? await trustedCas(cfg.caFile, safe`source.caFile`) : undefined;
  const historyFrom = addDays(syncDate, -HISTORY_DAYS);
  // A server that trickles rows is never cut off by requestTimeout (tedious stops it at the first packet): the deadline closes the connection.
  const connections = new Set<TediousConnection>();
  const sql = await loadMssql();
  const pool = new sql.ConnectionPool({ ...(await connectionConfig(cfg, password, ca)), beforeConnect: (c) => void connections.add(c) });
  const closeConnections = () => connections.forEach((c) => c.close());
  signal?.addEventListener('abort', closeConnections, { once: true });
  // A pool error after a failed request is already reported through the request.
  pool.on('error', () => undefined);
  let tx: Mssql.Transaction | undefined;
  try {
    signal?.throwIfAborted();
    await pool.connect().catch((err: unknown) => {
      throw explainSqlError(err, cfg, safe`connect`, origin);
    });
    tx = await beginReadTransaction(pool, queries, historyFrom, log).catch((err: unknown) => {
      throw explainSqlError(err, cfg, safe`checking the schema`);
    });
    // Duplicate rows are resolved as the rows arrive, in the time the read waits for the next ones.
    const resolver = duplicateResolver(schools, (query) => queryPlace(query, cfg.queries[query]));
    const rows: Partial<Record<QueryName, readonly AnyRow[]>> = {};
    const referenced = new Set<string>();
    const toContractRow = contractRowReader();
    const started = Date.now();
    let total = 0;
    for (const q of queries) {
      const keep = keepFilter(q.name, rows, referenced);
      const where = queryPlace(q.name, q.file);
      let index = 0;
      const { reported } = await streamRows(tx, q.text, historyFrom, (raw) => {
        const row = toContractRow(q.name, raw, index++, where);
        if (keep(row)) resolver.add(q.name, row);
      }).catch((err: unknown) => {
        throw explainSqlError(err, cfg, safe`reading ${CONTRACT[q.name].table}`);
      });
      // A read cut short must never look like fewer pupils.
      if (reported !== undefined && reported !== index) {
        throw new AppError('sourceUnavailable', safe`${where}: SQL Server reported ${reported} rows but ${index} arrived, so the read was incomplete. Nothing was delivered; the next run reads again. If it keeps happening, check the network between this server and SQL Server.`);
      }
      total += index;
      const list = resolver.kept(q.name) as readonly AnyRow[];
      rows[q.name] = list;
      if (PERSON_LINKS.includes(q.name)) for (const r of list) referenced.add(r.person_id as string);
    }
    const seconds = (Date.now() - started) / 1000;
    log(safe`Read ${total} rows from ProCapita in ${seconds.toFixed(1) as `${number}`} s (${Math.round(total / Math.max(seconds, 0.001))} rows/s).`);
    return resolver.finish();
  } finally {
    // Never a commit: whatever a query might have changed is undone. The pool also waits for the
    // transaction's connection; this hands it back even when the connection is gone.
    signal?.removeEventListener('abort', closeConnections);
    if (tx) await tx.rollback().catch(() => undefined);
    await pool.close().catch(() => undefined);
  }
}

/**
 * One transaction for every query, so the rows agree with each other:
 * SNAPSHOT where the database allows it (error 3952 says it doesn't), else READ COMMITTED.
 */
async function beginReadTransaction(pool: Mssql.ConnectionPool, queries: readonly Query[], historyFrom: CalendarDate, log: Log): Promise<Mssql.Transaction> {
  const sql = await loadMssql();
  const snapshot = new sql.Transaction(pool);
  await snapshot.begin(sql.ISOLATION_LEVEL.SNAPSHOT);
  try {
    await checkSchema(snapshot, queries, historyFrom);
    log(safe`Reading ProCapita in one transaction at SNAPSHOT isolation.`);
    return snapshot;
  } catch (err) {
    await snapshot.rollback().catch(() => undefined);
    if ((err as { number?: number }).number !== 3952) throw err;
  }
  const committed = new sql.Transaction(pool);
  await committed.begin(sql.ISOLATION_LEVEL.READ_COMMITTED);
  await checkSchema(committed, queries, historyFrom);
  log(safe`Reading ProCapita in one transaction at READ COMMITTED isolation: the database does not allow snapshot isolation (ALLOW_SNAPSHOT_ISOLATION is OFF).`);
  return committed;
}

/** Connects and begins the read transaction (with its schema check) as a run does, hands it to `use`, then rolls back and closes. */
async function inReadTransaction<T>(cfg: SqlSourceConfig, password: string, origin: SafeText | undefined, log: Log, use: (tx: Mssql.Transaction, queries: Query[], historyFrom: CalendarDate) => Promise<T>): Promise<T> {
  const queries = await loadQueries(cfg.queries);
  const ca = cfg.caFile ? await trustedCas(cfg.caFile, safe`source.caFile`) : undefined;
  const sql = await loadMssql();
  const pool = new sql.ConnectionPool(await connectionConfig(cfg, password, ca));
  pool.on('error', () => undefined);
  const historyFrom = addDays(new Date().toISOString().slice(0, 10), -HISTORY_DAYS);
  try {
    await pool.connect().catch((err: unknown) => {
      throw explainSqlError(err, cfg, safe`connect`, origin);
    });
    const tx = await beginReadTransaction(pool, queries, historyFrom, log).catch((err: unknown) => {
      throw explainSqlError(err, cfg, safe`checking the schema`, origin);
    });
    try {
      return await use(tx, queries, historyFrom);
    } finally {
      await tx.rollback().catch(() => undefined);
    }
  } finally {
    await pool.close().catch(() => undefined);
  }
}

/**
 * Connects and runs the schema check exactly as a run does before it reads,
 * then rolls back and closes: for `doctor` and the setup wizard. Resolves with
 * the isolation level a run would read at; throws the AppError a run would.
 */
export async function probeSqlSource(cfg: SqlSourceConfig, password: string, log: Log = () => undefined, origin?: SafeText): Promise<'SNAPSHOT' | 'READ COMMITTED'> {
  const sql = await loadMssql();
  return inReadTransaction(cfg, password, origin, log, async (tx) => (tx.isolationLevel === sql.ISOLATION_LEVEL.SNAPSHOT ? 'SNAPSHOT' : 'READ COMMITTED'));
}

/** The school units and their forms, read by the run's own queries: what doctor checks the configured schools against. */
export async function readSchoolUnits(cfg: SqlSourceConfig, password: string, origin?: SafeText): Promise<Pick<SourceRows, 'schoolUnits' | 'schoolUnitForms'>> {
  return inReadTransaction(cfg, password, origin, () => undefined, async (tx, queries, historyFrom) => {
    const toContractRow = contractRowReader();
    const rows: { schoolUnits: unknown[]; schoolUnitForms: unknown[] } = { schoolUnits: [], schoolUnitForms: [] };
    for (const q of queries) {
      if (q.name !== 'schoolUnits' && q.name !== 'schoolUnitForms') continue;
      const list = rows[q.name];
      const where = queryPlace(q.name, q.file);
      await streamRows(tx, q.text, historyFrom, (raw) => void list.push(toContractRow(q.name, raw, list.length, where))).catch((err: unknown) => {
        throw explainSqlError(err, cfg, safe`reading ${CONTRACT[q.name].table}`);
      });
    }
    return rows as Pick<SourceRows, 'schoolUnits' | 'schoolUnitForms'>;
  });
}
