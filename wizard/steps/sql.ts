/**
 * Step 1, SQL Server: where ProCapita is and how to log in. The answers are
 * tested at once (login and the schema check, as a run does), then
 * ProCapita is read for the steps after this one.
 */
import { readSource } from '../../src/extract/source';
import type { AnswerKey } from '../answers';
import { absolute, ask, askOptional, askSecret, draftConfig, required, say, walk, wizardCredentials, type Context, type DraftSql } from '../context';
import { afterFailure, askFile, failure, field, heading, test } from './shared';

/** The questions, in order; a failure menu's choice asks a run of them again. */
const QUESTIONS = ['host', 'instance', 'port', 'database', 'user', 'password', 'encrypt', 'trust', 'caFile'] as const;
type Name = (typeof QUESTIONS)[number];

function sqlDraft(ctx: Context): DraftSql {
  const s = ctx.draft.source;
  return s?.type === 'sql' ? s : { type: 'sql', host: '', database: '', user: '', encrypt: true, trustServerCertificate: false };
}

/** The order of the file: what the wizard asks, in the order it asks, then whatever else was there. */
const ORDER = ['type', 'host', 'port', 'instanceName', 'database', 'user', 'encrypt', 'trustServerCertificate', 'caFile'];

/** Sets one field in the draft's source; keys the wizard does not ask about (queries, timeouts) stay as they were. */
function update(ctx: Context, change: (s: DraftSql) => void): void {
  const next = { ...sqlDraft(ctx) };
  change(next);
  const known = ORDER.filter((k) => k in next).map((k) => [k, next[k]]);
  const rest = Object.entries(next).filter(([k]) => !ORDER.includes(k));
  ctx.draft.source = Object.fromEntries([...known, ...rest]) as DraftSql;
}

/** How the certificate is checked, between its two questions: picked in the list, then the file when a CA file was picked. */
interface Asking {
  how?: 'system' | 'caFile' | 'trust';
}

async function askQuestion(ctx: Context, name: Name, asking: Asking): Promise<void> {
  const m = ctx.m;
  const s = sqlDraft(ctx);
  switch (name) {
    case 'host': {
      const host = await ask(ctx, 'sql.host', () => ctx.prompts.input({ message: m.sqlHost, ...(s.host ? { default: s.host } : {}), validate: required(ctx) }));
      return update(ctx, (d) => (d.host = host.trim()));
    }
    case 'instance': {
      // A port given ahead answers the question: the instance is asked only when neither is.
      const portGiven = !ctx.reask.has('sql.port') && ctx.answers.get('sql.port') !== undefined && ctx.answers.get('sql.instance') === undefined;
      const instance = portGiven ? undefined : await askOptional(ctx, 'sql.instance', m.sqlInstance, s.instanceName);
      return update(ctx, (d) => {
        if (instance) {
          delete d.port;
          d.instanceName = instance;
        } else delete d.instanceName;
      });
    }
    case 'port': {
      if (s.instanceName) return;
      const port = await ask(
        ctx,
        'sql.port',
        async () => Number(await ctx.prompts.input({ message: m.sqlPort, default: String(s.port ?? 1433), validate: (v) => (/^\d{1,5}$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 65535 ? true : m.notPort) })),
        { default: s.port ?? 1433 },
      );
      return update(ctx, (d) => (d.port = port));
    }
    case 'database': {
      const database = await ask(ctx, 'sql.database', () => ctx.prompts.input({ message: m.sqlDatabase, ...(s.database ? { default: s.database } : {}), validate: required(ctx) }));
      return update(ctx, (d) => (d.database = database.trim()));
    }
    case 'user': {
      const user = await ask(ctx, 'sql.user', () => ctx.prompts.input({ message: m.sqlUser, ...(s.user ? { default: s.user } : {}), validate: required(ctx) }));
      return update(ctx, (d) => (d.user = user.trim()));
    }
    case 'password': {
      const password = await askSecret(ctx, 'sql.password', m.sqlPassword(s.user), ctx.existing !== undefined && !ctx.reask.has('sql.password'));
      if (password !== undefined) ctx.secrets.sqlPassword = password;
      return;
    }
    case 'encrypt': {
      const encrypt = await ask(
        ctx,
        'sql.encrypt',
        () =>
          ctx.prompts.select<boolean | 'strict'>({
            message: m.sqlEncrypt,
            choices: [
              { name: m.encryptOn, value: true },
              { name: m.encryptStrict, value: 'strict' },
              { name: m.encryptOff, value: false },
            ],
            default: s.encrypt,
          }),
        { default: s.encrypt },
      );
      return update(ctx, (d) => (d.encrypt = encrypt));
    }
    case 'trust': {
      delete asking.how;
      if (s.encrypt === false) {
        return update(ctx, (d) => {
          d.trustServerCertificate = false;
          delete d.caFile;
        });
      }
      let trust: boolean | undefined = ctx.reask.has('sql.trustServerCertificate') ? undefined : ctx.answers.get('sql.trustServerCertificate');
      let caFile: string | undefined = ctx.reask.has('sql.caFile') ? undefined : ctx.answers.get('sql.caFile');
      if (trust !== undefined || caFile !== undefined || ctx.answers.nonInteractive) {
        // Given ahead: what is not given stays as it was (none, on a first run).
        trust ??= s.trustServerCertificate;
        caFile ??= trust ? undefined : s.caFile;
        const file = caFile ? absolute(ctx, caFile) : undefined;
        return update(ctx, (d) => {
          d.trustServerCertificate = trust ?? false;
          if (file) d.caFile = file;
          else delete d.caFile;
        });
      }
      asking.how = await ctx.prompts.select<'system' | 'caFile' | 'trust'>({
        message: m.sqlTrust,
        choices: [
          { name: m.trustSystem, value: 'system' },
          { name: m.trustCaFile, value: 'caFile' },
          { name: m.trustAny, value: 'trust' },
        ],
        default: s.trustServerCertificate ? 'trust' : s.caFile ? 'caFile' : 'system',
      });
      const how = asking.how;
      // The file, if any, is kept for the next question's default.
      return update(ctx, (d) => {
        d.trustServerCertificate = how === 'trust';
        if (how !== 'caFile') delete d.caFile;
      });
    }
    case 'caFile': {
      if (asking.how !== 'caFile') return;
      const file = await askFile(ctx, m.caFile, s.caFile);
      return update(ctx, (d) => (d.caFile = file));
    }
  }
}

export async function sqlStep(ctx: Context): Promise<void> {
  heading(ctx, 1, ctx.m.sqlTitle);
  const asking: Asking = {};
  const questions = QUESTIONS.map((name) => () => askQuestion(ctx, name, asking));
  const f = ctx.m.sqlField;
  const q = (label: string, keys: AnswerKey[], first: Name, last?: Name) => field(QUESTIONS, label, keys, first, last);
  const fields = [
    q(f.host, ['sql.host'], 'host'),
    q(f.endpoint, ['sql.instance', 'sql.port'], 'instance', 'port'),
    q(f.database, ['sql.database'], 'database'),
    q(f.user, ['sql.user'], 'user'),
    q(f.password, ['sql.password'], 'password'),
    q(f.encrypt, ['sql.encrypt'], 'encrypt', 'caFile'),
    q(f.certificate, ['sql.trustServerCertificate', 'sql.caFile'], 'trust', 'caFile'),
  ];
  await walk(ctx, questions);
  for (;;) {
    const result = await test(ctx, ctx.m.sqlTesting, async () => {
      const check = await ctx.checks.sql(draftConfig(ctx), wizardCredentials(ctx));
      if (!check.ok) return check;
      try {
        const config = draftConfig(ctx);
        ({ rows: ctx.rows } = await readSource(config, { credentials: wizardCredentials(ctx), syncDate: ctx.syncDate, log: () => undefined }));
        return check;
      } catch (err) {
        return failure(err);
      }
    });
    if (result?.ok) {
      const rows = ctx.rows!;
      say(ctx, ctx.m.sqlRead(rows.schoolUnits.length, rows.persons.length));
      return;
    }
    await afterFailure(ctx, result!, questions, fields);
  }
}

/** Reads ProCapita with the stored settings, for a re-run that changes the schools. */
export async function readRows(ctx: Context): Promise<void> {
  say(ctx, ctx.m.sqlReading);
  const config = draftConfig(ctx);
  ({ rows: ctx.rows } = await readSource(config, { credentials: wizardCredentials(ctx), syncDate: ctx.syncDate, log: () => undefined }));
  say(ctx, ctx.m.sqlRead(ctx.rows.schoolUnits.length, ctx.rows.persons.length));
}
