/**
 * Step 6, target: the upload URL, the API key, a proxy and a CA file. Tested
 * at once with GET /v1/ping (docs/upload-api.md), which tells a wrong key
 * (401) from a key that may not import (403) and changes nothing.
 */
import { AppError } from '../../src/errors';
import type { AnswerKey } from '../answers';
import { ask, askCaFile, askOptional, askSecret, draftConfig, say, wizardCredentials, type Context, type DraftTarget } from '../context';
import { afterFailure, heading, test } from './shared';
import { given, safe } from '../../src/safe-text';

/** The snapshot endpoint for what was typed: a bare origin (or prefix) gets /v1/snapshots. */
export function snapshotUrl(typed: string): string {
  const url = new URL(typed.trim());
  if (/\/v1\/snapshots\/?$/.test(url.pathname)) return url.href.replace(/\/$/, '');
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/snapshots`;
  return url.href;
}

const validUrl = (protocols: RegExp) => (v: string) => {
  try {
    return protocols.test(new URL(v.trim()).protocol);
  } catch {
    return false;
  }
};

type Field = 'url' | 'apiKey' | 'proxy' | 'caFile';
const FIELD_KEYS: Record<Field, AnswerKey> = { url: 'target.url', apiKey: 'target.apiKey', proxy: 'target.proxy.url', caFile: 'target.caFile' };

function targetDraft(ctx: Context): DraftTarget {
  const t = ctx.draft.target;
  return t?.type === 'https' ? t : { type: 'https', url: '' };
}

async function askField(ctx: Context, field: Field): Promise<void> {
  const m = ctx.m;
  const t = { ...targetDraft(ctx) };
  switch (field) {
    case 'url': {
      const typed = await ask(ctx, 'target.url', () => ctx.prompts.input({ message: m.targetUrl, ...(t.url ? { default: t.url } : {}), validate: (v) => (validUrl(/^https:$/)(v) ? true : m.notHttps) }));
      if (!validUrl(/^https:$/)(typed)) throw new AppError('usage', safe`${ctx.answers.sourceOf('target.url')}: ${given(m.notHttps)}`);
      t.url = snapshotUrl(typed);
      if (t.url !== typed.trim()) say(ctx, m.targetUrlUsed(t.url));
      break;
    }
    case 'apiKey': {
      const keep = ctx.existing?.data.target?.type === 'https' && !ctx.reask.has('target.apiKey');
      const key = await askSecret(ctx, 'target.apiKey', m.apiKey, keep);
      if (key !== undefined) ctx.secrets.apiKey = key;
      return;
    }
    case 'proxy': {
      const env = ctx.io.env.HTTPS_PROXY ?? ctx.io.env.https_proxy;
      const given = ctx.reask.has('target.proxy.url') ? undefined : ctx.answers.get('target.proxy.url');
      let url: string | undefined = given;
      if (url === undefined && !ctx.answers.nonInteractive) {
        if (env) say(ctx, m.envProxy(env));
        const use = await ctx.prompts.confirm({ message: m.useProxy, default: t.proxy !== undefined });
        if (use) url = await ctx.prompts.input({ message: m.proxyUrl, ...(t.proxy?.url ? { default: t.proxy.url } : {}), validate: (v) => (validUrl(/^https?:$/)(v) ? true : m.notProxyUrl) });
      } else if (url === undefined) url = t.proxy?.url;
      if (!url) {
        delete t.proxy;
        break;
      }
      const user = await askOptional(ctx, 'target.proxy.user', m.proxyUser, t.proxy?.user);
      const { user: _u, url: _url, ...other } = t.proxy ?? {};
      t.proxy = { url: url.trim(), ...(user ? { user } : {}), ...other };
      if (user) {
        const keep = Boolean(ctx.existing?.data.target?.type === 'https' && (ctx.existing.data.target as DraftTarget).proxy?.user) && !ctx.reask.has('target.proxy.password');
        const password = await askSecret(ctx, 'target.proxy.password', m.proxyPassword(user), keep);
        if (password !== undefined) ctx.secrets.proxyPassword = password;
      }
      break;
    }
    case 'caFile': {
      await askCaFile(ctx, 'target.caFile', m.targetCa, t);
      break;
    }
  }
  ctx.draft.target = t;
}

const FIELDS: readonly Field[] = ['url', 'apiKey', 'proxy', 'caFile'];

export async function targetStep(ctx: Context): Promise<void> {
  const m = ctx.m;
  heading(ctx, 6, m.targetTitle);
  for (const field of FIELDS) await askField(ctx, field);
  for (;;) {
    const result = await test(ctx, m.targetTesting, () => ctx.checks.target(draftConfig(ctx), wizardCredentials(ctx), ctx.io.env));
    if (result?.ok) return;
    const choice = await afterFailure(ctx, result!, FIELDS.map((f) => ({ key: FIELD_KEYS[f], label: m.targetField[f] })));
    if (choice === 'retry') continue;
    const field = FIELDS.find((f) => FIELD_KEYS[f] === choice)!;
    if (field === 'proxy') ['target.proxy.user', 'target.proxy.password'].forEach((k) => ctx.reask.add(k as AnswerKey));
    await askField(ctx, field);
  }
}
