/**
 * Step 5, e-mail addresses: only ProCapita's; completed by a mapping file,
 * read and checked now; or completed by a table built from Active Directory
 * now, with its quality report. The table is written at the last step.
 */
import { join } from 'node:path';
import { buildMapping, formatQualityReport, readAdEntries } from '../../src/enrich/ad-mapping';
import { readMappingTable } from '../../src/enrich/mapping-table';
import { AppError } from '../../src/errors';
import type { AnswerKey, AnswerTypes } from '../answers';
import { absolute, ask, askCaFile, askSecret, configDir, draftConfig, required, say, walk, wizardCredentials, type Context, type DraftAd, type Question } from '../context';
import { afterFailure, askFile, failure, field, heading, test } from './shared';
import { given, safe } from '../../src/safe-text';

export const DEFAULT_AD_FILTER = '(&(objectCategory=person)(objectClass=user))';

type Source = 'procapita' | 'file' | 'ad';
type Refresh = AnswerTypes['email.ad.refresh'];

export async function emailStep(ctx: Context): Promise<void> {
  const m = ctx.m;
  heading(ctx, 5, m.emailTitle);
  const email = ctx.draft.email ?? {};
  const { mappingFile: _file, ad: before, ...rest } = email;
  const ad: DraftAd = before ? { ...before } : { url: '', bindDn: '', baseDn: '' };
  let source: Source = email.ad ? 'ad' : email.mappingFile ? 'file' : 'procapita';
  let file = email.ad ? undefined : email.mappingFile;
  let table = email.ad ? email.mappingFile! : (email.mappingFile ?? join(configDir(ctx), 'email-mapping.csv'));
  /** The draft as answered so far, after each question: what a draft kept on Ctrl-C holds. */
  const answered = () => {
    if (source === 'procapita') ctx.draft.email = { ...rest };
    else if (source === 'file') ctx.draft.email = { ...rest, ...(file ? { mappingFile: file } : {}) };
    else ctx.draft.email = { ...rest, mappingFile: table, ad: draftAd(ad, before) };
  };
  const questions: Question[] = [
    async () => {
      source = await ask(
        ctx,
        'email.source',
        () =>
          ctx.prompts.select<Source>({
            message: m.emailPrompt,
            choices: [
              { name: m.emailProcapita, value: 'procapita' },
              { name: m.emailFile, value: 'file' },
              { name: m.emailAd, value: 'ad' },
            ],
            default: source,
          }),
        { default: source },
      );
    },
    async () => {
      if (source === 'file') file = absolute(ctx, await ask(ctx, 'email.mappingFile', () => askFile(ctx, m.mappingFilePrompt, file)));
    },
    ...AD_FIELDS.map((key) => async () => {
      if (source === 'ad') await askAd(ctx, key, ad);
    }),
    async () => {
      if (source === 'ad') table = absolute(ctx, await ask(ctx, 'email.mappingFile', () => ctx.prompts.input({ message: m.adTableFile, default: table, validate: required(ctx) }), { default: table }));
    },
    async () => {
      if (source !== 'ad') return;
      // A new setup rebuilds nightly, so new staff get their address the night after AD has it; a configuration
      // without the key keeps what it does ("manual", the default).
      const refresh = (ad.refresh as Refresh | undefined) ?? (before ? 'manual' : 'nightly');
      ad.refresh = await ask(
        ctx,
        'email.ad.refresh',
        () => ctx.prompts.select<Refresh>({ message: m.adRefresh, choices: [{ name: m.adRefreshNightly, value: 'nightly' }, { name: m.adRefreshManual, value: 'manual' }], default: refresh }),
        { default: refresh },
      );
    },
  ].map((q) => async () => {
    await q();
    answered();
  });
  const names = ['source', 'mappingFile', ...AD_FIELDS, 'table', 'refresh'];
  const sourceField = { label: m.emailSourceLabel, keys: ['email.source'] as AnswerKey[], from: 0, to: questions.length };
  await walk(ctx, questions);
  for (;;) {
    delete ctx.mapping;
    if (source === 'procapita') return;
    const result = source === 'file' ? await testFile(ctx, file!) : await testAd(ctx, table);
    if (result?.ok) return;
    const fields =
      source === 'file'
        ? [sourceField, field(names, m.mappingFileLabel, ['email.mappingFile'], 'mappingFile')]
        : [
            sourceField,
            ...AD_FIELDS.filter((key) => key !== 'email.ad.startTls').map((key) => field(names, m.adField[key] ?? key, key === 'email.ad.url' ? [key, 'email.ad.startTls'] : [key], key, key === 'email.ad.url' ? 'email.ad.startTls' : key)),
            field(names, m.adField['email.mappingFile']!, ['email.mappingFile'], 'table'),
          ];
    await afterFailure(ctx, result!, questions, fields);
  }
}

/** The mapping file, read and checked now. */
function testFile(ctx: Context, file: string) {
  const m = ctx.m;
  return test(ctx, m.mappingFileTesting, async () => {
    try {
      const table = await readMappingTable(file, ctx.syncDate);
      return { ok: true, label: m.mappingFileOk(table.byGuid.size, table.byPersonalNumber.size), detail: safe`` };
    } catch (err) {
      return failure(err);
    }
  });
}

/** The order of the file: url, startTls, caFile, bindDn, baseDn, filter, keyAttribute, and what else was there. */
function draftAd(ad: DraftAd, before: DraftAd | undefined): DraftAd {
  const { url, startTls, caFile, bindDn, baseDn, filter, keyAttribute, ...other } = ad;
  const answered: DraftAd = { url, ...(startTls !== undefined ? { startTls } : {}), ...(caFile ? { caFile } : {}), bindDn, baseDn, ...(filter ? { filter } : {}), ...(keyAttribute ? { keyAttribute } : {}), ...other };
  if (!before) return answered;
  const merged = { ...before, ...answered };
  for (const k of ['startTls', 'caFile'] as const) if (answered[k] === undefined) delete merged[k];
  return merged;
}

const AD_FIELDS: readonly AnswerKey[] = ['email.ad.url', 'email.ad.startTls', 'email.ad.caFile', 'email.ad.bindDn', 'email.ad.password', 'email.ad.baseDn', 'email.ad.filter', 'email.ad.keyAttribute'];

async function askAd(ctx: Context, key: AnswerKey, ad: DraftAd): Promise<void> {
  const m = ctx.m;
  switch (key) {
    case 'email.ad.url': {
      const url = (await ask(ctx, 'email.ad.url', () => ctx.prompts.input({ message: m.adUrl, ...(ad.url ? { default: ad.url } : {}), validate: (v) => (/^ldaps?:\/\/[^/\s]+/i.test(v.trim()) ? true : m.notLdapUrl) }))).trim();
      ad.url = url;
      return;
    }
    case 'email.ad.startTls': {
      if (/^ldaps:/i.test(ad.url)) delete ad.startTls;
      else ad.startTls = await ask(ctx, 'email.ad.startTls', () => ctx.prompts.confirm({ message: m.adStartTls, default: ad.startTls ?? true }), { default: ad.startTls ?? true });
      return;
    }
    case 'email.ad.caFile': {
      await askCaFile(ctx, 'email.ad.caFile', m.adCaFile, ad);
      return;
    }
    case 'email.ad.bindDn':
      ad.bindDn = (await ask(ctx, 'email.ad.bindDn', () => ctx.prompts.input({ message: m.adBindDn, ...(ad.bindDn ? { default: ad.bindDn } : {}), validate: required(ctx) }))).trim();
      return;
    case 'email.ad.password': {
      const keep = ctx.existing?.data.email?.ad !== undefined && !ctx.reask.has('email.ad.password');
      const password = await askSecret(ctx, 'email.ad.password', m.adPassword(ad.bindDn), keep);
      if (password !== undefined) ctx.secrets.ldapPassword = password;
      return;
    }
    case 'email.ad.baseDn':
      ad.baseDn = (await ask(ctx, 'email.ad.baseDn', () => ctx.prompts.input({ message: m.adBaseDn, ...(ad.baseDn ? { default: ad.baseDn } : {}), validate: required(ctx) }))).trim();
      return;
    case 'email.ad.filter': {
      const filter = ad.filter ?? DEFAULT_AD_FILTER;
      ad.filter = (await ask(ctx, 'email.ad.filter', () => ctx.prompts.input({ message: m.adFilter, default: filter, validate: required(ctx) }), { default: filter })).trim();
      return;
    }
    case 'email.ad.keyAttribute': {
      const attribute = ad.keyAttribute ?? 'employeeID';
      ad.keyAttribute = (
        await ask(ctx, 'email.ad.keyAttribute', () => ctx.prompts.input({ message: m.adKey, default: attribute, validate: (v) => (/^[A-Za-z][A-Za-z0-9-]*$/.test(v.trim()) ? true : m.notAttribute) }), { default: attribute })
      ).trim();
      return;
    }
  }
}

/** The table built from the directory now, with its quality report; written at the last step. */
function testAd(ctx: Context, mappingFile: string) {
  const m = ctx.m;
  return test(ctx, m.adTesting, async () => {
    try {
      const config = draftConfig(ctx).email.ad!;
      const credentials = wizardCredentials(ctx);
      const password = await credentials.get('ldapPassword');
      const entries = await readAdEntries(config, password, { log: () => undefined, origin: credentials.origin?.('ldapPassword') });
      if (entries.length === 0) throw new AppError('emailMapping', given(m.adNone(config.baseDn)));
      const { table, report } = buildMapping(entries, ctx.rows!.persons, ctx.syncDate);
      say(ctx, formatQualityReport(report, m.quality).replace(/^/gm, '    '));
      // A table with no entries is refused by the run (exit 11): never write one.
      if (table.length === 0) throw new AppError('emailMapping', given(m.adNoEntries(entries.length)));
      ctx.mapping = { file: mappingFile, table };
      return { ok: true, label: m.adBuilt(table.length, mappingFile), detail: safe`` };
    } catch (err) {
      return failure(err);
    }
  });
}
