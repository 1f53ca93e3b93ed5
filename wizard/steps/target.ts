/**
 * Step 6, target: the upload URL, the API key, a proxy and a CA file. Tested
 * at once with GET /v1/ping (docs/upload-api.md), which tells a wrong key
 * (401) from a key that may not import (403) and changes nothing.
 */
import { AppError } from '../../src/errors';
import { ask, askCaFile, askOptional, askSecret, draftConfig, say, walk, wizardCredentials, type Context, type DraftTarget } from '../context';
import { afterFailure, field, heading, test } from './shared';
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

/** The questions, in order; a failure menu's choice asks a run of them again. */
const QUESTIONS = ['url', 'apiKey', 'useProxy', 'proxyUrl', 'proxyUser', 'proxyPassword', 'caFile'] as const;
type Name = (typeof QUESTIONS)[number];

function targetDraft(ctx: Context): DraftTarget {
  const t = ctx.draft.target;
  return t?.type === 'https' ? t : { type: 'https', url: '' };
}

/** Whether a proxy is used, between its questions: answered in the first, its address asked in the second. */
interface Asking {
  useProxy?: boolean;
}

async function askQuestion(ctx: Context, name: Name, asking: Asking): Promise<void> {
  const m = ctx.m;
  const t = { ...targetDraft(ctx) };
  switch (name) {
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
    case 'useProxy': {
      delete asking.useProxy;
      const env = ctx.io.env.HTTPS_PROXY ?? ctx.io.env.https_proxy;
      const given = ctx.reask.has('target.proxy.url') ? undefined : ctx.answers.get('target.proxy.url');
      let url: string | undefined = given;
      if (url === undefined && !ctx.answers.nonInteractive) {
        if (env) say(ctx, m.envProxy(env));
        asking.useProxy = await ctx.prompts.confirm({ message: m.useProxy, default: t.proxy !== undefined });
        // Its address is the next question; until then the one there was stays, for its default.
        if (asking.useProxy) return;
      } else if (url === undefined) url = t.proxy?.url;
      if (!url) delete t.proxy;
      else {
        const { url: _url, ...other } = t.proxy ?? {};
        t.proxy = { url: url.trim(), ...other };
      }
      break;
    }
    case 'proxyUrl': {
      if (!asking.useProxy) return;
      const url = await ctx.prompts.input({ message: m.proxyUrl, ...(t.proxy?.url ? { default: t.proxy.url } : {}), validate: (v) => (validUrl(/^https?:$/)(v) ? true : m.notProxyUrl) });
      const { url: _url, ...other } = t.proxy ?? {};
      t.proxy = { url: url.trim(), ...other };
      break;
    }
    case 'proxyUser': {
      if (!t.proxy) return;
      const user = await askOptional(ctx, 'target.proxy.user', m.proxyUser, t.proxy.user);
      const { user: _u, url, ...other } = t.proxy;
      t.proxy = { url, ...(user ? { user } : {}), ...other };
      break;
    }
    case 'proxyPassword': {
      const user = t.proxy?.user;
      if (!user) return;
      const keep = Boolean(ctx.existing?.data.target?.type === 'https' && (ctx.existing.data.target as DraftTarget).proxy?.user) && !ctx.reask.has('target.proxy.password');
      const password = await askSecret(ctx, 'target.proxy.password', m.proxyPassword(user), keep);
      if (password !== undefined) ctx.secrets.proxyPassword = password;
      return;
    }
    case 'caFile': {
      await askCaFile(ctx, 'target.caFile', m.targetCa, t);
      break;
    }
  }
  ctx.draft.target = t;
}

export async function targetStep(ctx: Context): Promise<void> {
  const m = ctx.m;
  heading(ctx, 6, m.targetTitle);
  const asking: Asking = {};
  const questions = QUESTIONS.map((name) => () => askQuestion(ctx, name, asking));
  const f = m.targetField;
  const fields = [
    field(QUESTIONS, f.url, ['target.url'], 'url'),
    field(QUESTIONS, f.apiKey, ['target.apiKey'], 'apiKey'),
    field(QUESTIONS, f.proxy, ['target.proxy.url', 'target.proxy.user', 'target.proxy.password'], 'useProxy', 'proxyPassword'),
    field(QUESTIONS, f.caFile, ['target.caFile'], 'caFile'),
  ];
  await walk(ctx, questions);
  for (;;) {
    const result = await test(ctx, m.targetTesting, () => ctx.checks.target(draftConfig(ctx), wizardCredentials(ctx), ctx.io.env));
    if (result?.ok) return;
    await afterFailure(ctx, result!, questions, fields);
  }
}
