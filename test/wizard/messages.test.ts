import { describe, expect, it } from 'vitest';
import { en } from '../../src/messages/en';
import { sv } from '../../src/messages/sv';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANSWER_KEYS, flagOf, loadAnswers } from '../../wizard/answers';
import { tempDir } from '../support/cli';

/** Every key path, with what is there: "string", or "function/2" for a function of two arguments. */
function shape(catalogue: object, prefix = ''): string[] {
  return Object.entries(catalogue)
    .flatMap(([key, value]) =>
      value !== null && typeof value === 'object'
        ? shape(value as object, `${prefix}${key}.`)
        : [`${prefix}${key}: ${typeof value === 'function' ? `function/${(value as (...a: unknown[]) => unknown).length}` : typeof value}`],
    )
    .sort();
}

describe('message catalogues', () => {
  it('Swedish and English have exactly the same keys, each a text or a function of as many arguments', () => {
    expect(shape(sv)).toEqual(shape(en));
    expect(shape(en).length).toBeGreaterThan(150);
  });

  it('no text is left empty or untranslated by mistake', () => {
    const texts = (c: object): string[] => Object.values(c).flatMap((v) => (typeof v === 'string' ? [v] : v && typeof v === 'object' ? texts(v as object) : []));
    for (const t of [...texts(sv), ...texts(en)]) expect(t.trim()).not.toBe('');
    const english = new Set(texts(en));
    // Words that are the same in both languages; anything else in English in sv.ts is a slip.
    expect(texts(sv).filter((t) => english.has(t) && /[a-z]{4}/i.test(t)).sort()).toEqual(['Filter', 'GUID', 'GUID', 'Port', 'SQL Server (ProCapita)', 'filter', 'proxy']);
  });
});

describe('answer flags', () => {
  it('one flag per answer key, secrets by environment variable', () => {
    const flags = ANSWER_KEYS.map(flagOf);
    expect(new Set(flags).size).toBe(flags.length);
    expect(flagOf('sql.host')).toBe('--sql-host');
    expect(flagOf('sql.trustServerCertificate')).toBe('--sql-trust-server-certificate');
    expect(flagOf('sql.password')).toBe('--sql-password-env');
    expect(flagOf('target.proxy.password')).toBe('--target-proxy-password-env');
    expect(flagOf('email.ad.keyAttribute')).toBe('--email-ad-key-attribute');
    expect(flagOf('email.ad.refresh')).toBe('--email-ad-refresh');
  });

  it('the mapping table\'s refresh: nightly or manual, by flag or in the answers file; anything else is a usage error', async () => {
    expect((await loadAnswers({ emailAdRefresh: 'manual' })).get('email.ad.refresh')).toBe('manual');
    const file = join(tempDir(), 'answers.json');
    writeFileSync(file, JSON.stringify({ email: { ad: { refresh: 'nightly' } } }));
    expect((await loadAnswers({ answers: file })).get('email.ad.refresh')).toBe('nightly');
    await expect(loadAnswers({ emailAdRefresh: 'daily' })).rejects.toMatchObject({ code: 'usage', message: expect.stringContaining('--email-ad-refresh') });
    writeFileSync(file, JSON.stringify({ email: { ad: { refresh: 'daily' } } }));
    await expect(loadAnswers({ answers: file })).rejects.toMatchObject({ code: 'usage', message: expect.stringContaining('email.ad.refresh') });
  });
});

describe('where the configuration goes', () => {
  it('%ProgramData% on Windows, /etc elsewhere', async () => {
    const { defaultConfigPath } = await import('../../wizard/context');
    expect(defaultConfigPath('win32', { ProgramData: 'D:\\ProgramData' })).toBe('D:\\ProgramData\\procapita-sync\\config.json');
    expect(defaultConfigPath('win32', {})).toBe('C:\\ProgramData\\procapita-sync\\config.json');
    // Not the user's home: the task's account and the admin who runs doctor look in the same place.
    expect(defaultConfigPath('linux', { XDG_CONFIG_HOME: '/etc/xdg-home', HOME: '/home/svc' })).toBe('/etc/procapita-sync/config.json');
  });
});
