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
import { absolute, ask, askCaFile, askSecret, configDir, draftConfig, required, say, wizardCredentials, type Context, type DraftAd } from '../context';
import { afterFailure, askFile, failure, heading, test } from './shared';
import { given, safe } from '../../src/safe-text';

export const DEFAULT_AD_FILTER = '(&(objectCategory=person)(objectClass=user))';

type Source = 'procapita' | 'file' | 'ad';
type Refresh = AnswerTypes['email.ad.refresh'];

export async function emailStep(ctx: Context): Promise<void> {
  const m = ctx.m;
  heading(ctx, 5, m.emailTitle);
  const email = ctx.draft.email ?? {};
  const current: Source = email.ad ? 'ad' : email.mappingFile ? 'file' : 'procapita';
  const source = await ask(
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
        default: current,
      }),
    { default: current },
  );
  const { mappingFile: _file, ad: _ad, ...rest } = email;
  if (source === 'procapita') {
    ctx.draft.email = rest;
    return;
  }
  if (source === 'file') return mappingFileStep(ctx, rest, email.ad ? undefined : email.mappingFile);
  return adStep(ctx, rest);
}

async function mappingFileStep(ctx: Context, rest: NonNullable<Context['draft']['email']>, current: string | undefined): Promise<void> {
  const m = ctx.m;
  for (;;) {
    const file = absolute(ctx, await ask(ctx, 'email.mappingFile', () => askFile(ctx, m.mappingFilePrompt, current)));
    ctx.reask.delete('email.mappingFile');
    const result = await test(ctx, m.mappingFileTesting, async () => {
      try {
        const table = await readMappingTable(file, ctx.syncDate);
        return { ok: true, label: m.mappingFileOk(table.byGuid.size, table.byPersonalNumber.size), detail: safe`` };
      } catch (err) {
        return failure(err);
      }
    });
    if (result?.ok) {
      ctx.draft.email = { ...rest, mappingFile: file };
      return;
    }
    current = file;
    await afterFailure(ctx, result!, [{ key: 'email.mappingFile', label: m.mappingFileLabel }]);
  }
}

const AD_FIELDS: readonly AnswerKey[] = ['email.ad.url', 'email.ad.caFile', 'email.ad.bindDn', 'email.ad.password', 'email.ad.baseDn', 'email.ad.filter', 'email.ad.keyAttribute'];

async function askAd(ctx: Context, key: AnswerKey, ad: DraftAd): Promise<void> {
  const m = ctx.m;
  switch (key) {
    case 'email.ad.url': {
      const url = (await ask(ctx, 'email.ad.url', () => ctx.prompts.input({ message: m.adUrl, ...(ad.url ? { default: ad.url } : {}), validate: (v) => (/^ldaps?:\/\/[^/\s]+/i.test(v.trim()) ? true : m.notLdapUrl) }))).trim();
      ad.url = url;
      if (/^ldaps:/i.test(url)) delete ad.startTls;
      else ad.startTls = await ask(ctx, 'email.ad.startTls', () => ctx.prompts.confirm({ message: m.adStartTls, default: true }), { default: true });
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

async function adStep(ctx: Context, rest: NonNullable<Context['draft']['email']>): Promise<void> {
  const m = ctx.m;
  const before = ctx.draft.email?.ad;
  const ad: DraftAd = before ? { ...before } : { url: '', bindDn: '', baseDn: '' };
  for (const key of AD_FIELDS) await askAd(ctx, key, ad);
  const defaultFile = ctx.draft.email?.mappingFile ?? join(configDir(ctx), 'email-mapping.csv');
  const mappingFile = absolute(ctx, await ask(ctx, 'email.mappingFile', () => ctx.prompts.input({ message: m.adTableFile, default: defaultFile, validate: required(ctx) }), { default: defaultFile }));
  // A new setup rebuilds nightly, so new staff get their address the night after AD has it; a configuration
  // without the key keeps what it does ("manual", the default).
  const refresh = (before?.refresh as Refresh | undefined) ?? (before ? 'manual' : 'nightly');
  ad.refresh = await ask(
    ctx,
    'email.ad.refresh',
    () => ctx.prompts.select<Refresh>({ message: m.adRefresh, choices: [{ name: m.adRefreshNightly, value: 'nightly' }, { name: m.adRefreshManual, value: 'manual' }], default: refresh }),
    { default: refresh },
  );
  for (;;) {
    // The order of the file: url, startTls, caFile, bindDn, baseDn, filter, keyAttribute, and what else was there.
    const { url, startTls, caFile, bindDn, baseDn, filter, keyAttribute, ...other } = ad;
    const draftAd: DraftAd = { url, ...(startTls !== undefined ? { startTls } : {}), ...(caFile ? { caFile } : {}), bindDn, baseDn, ...(filter ? { filter } : {}), ...(keyAttribute ? { keyAttribute } : {}), ...other };
    ctx.draft.email = { ...rest, mappingFile, ad: before ? { ...before, ...draftAd } : draftAd };
    if (before) for (const k of ['startTls', 'caFile'] as const) if (draftAd[k] === undefined) delete ctx.draft.email.ad![k];
    const result = await test(ctx, m.adTesting, async () => {
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
    if (result?.ok) return;
    const choice = await afterFailure(ctx, result!, AD_FIELDS.map((key) => ({ key, label: m.adField[key] ?? key })));
    if (choice !== 'retry') await askAd(ctx, choice, ad);
  }
}
