/**
 * E-mail alerts (issue 16, section 3) against a real SMTP server on loopback
 * (smtp-server, with STARTTLS or TLS and a login): what triggers one, what it
 * says, that it holds no personal data, and that an alert that fails is a
 * warning in the log and never changes the run's exit code.
 */
import { readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CERTS, ENV, Site, closeAll, oneSchool, runMain } from './support';
import { body, closeSmtpServers, smtp, SMTP_PASSWORD, SMTP_USER, subject, type Smtp } from '../support/smtp';

const env = { ...ENV, PROCAPITA_SMTP_PASSWORD: SMTP_PASSWORD };

afterEach(async () => {
  await closeSmtpServers();
  await closeAll();
});

const school = oneSchool(20);

function site(s: Smtp, email: Record<string, unknown> = {}, top: Record<string, unknown> = {}): Site {
  const site = new Site(school.without(0), { schools: school.schools, ...top });
  site.configure({
    alerts: { email: { host: 'localhost', port: s.port, from: 'procapita-sync@kommun.example', to: ['it-drift@kommun.example', 'skol-it@kommun.example'], user: SMTP_USER, passwordEnv: 'PROCAPITA_SMTP_PASSWORD', caFile: join(CERTS, 'ca.crt'), ...email } },
  });
  return site;
}

const run = (site: Site, date = '2026-09-01') => site.run({ env, args: ['run', '--config', site.configPath, '--date', date] });

describe('e-mail alerts over SMTP', () => {
  it('a failed run: one mail in Swedish to every recipient, over STARTTLS with a login, with the outcome, counts, codes and the path; no personal data', async () => {
    const s = await smtp();
    const st = site(s);
    await st.deliverTo();
    rmSync(join(st.dir, 'municipality.json'));
    const r = await run(st);
    expect(r.code).toBe(4);
    expect(s.mails).toHaveLength(1);
    const [mail] = s.mails;
    expect(mail!.from).toBe('procapita-sync@kommun.example');
    expect(mail!.to).toEqual(['it-drift@kommun.example', 'skol-it@kommun.example']);
    expect(subject(mail!)).toBe(`procapita-sync på ${hostname()}: MISSLYCKADES, synkdatum 2026-09-01`);
    const text = body(mail!);
    expect(text).toContain('Nattens körning misslyckades: ingenting levererades.');
    expect(text).toContain('Synkdatum: 2026-09-01');
    expect(text).toContain('Avslutningskod: 4 (sourceUnavailable: ');
    expect(text).toContain('Konfigurerade skolor: KRSK/GR');
    // The report of this very run: its page exists, and says the same.
    const report = /Rapport: (\S+\.html) /.exec(text)?.[1];
    expect(report).toMatch(new RegExp(`^${join(st.stateDir, 'reports')}/2026-\\d\\d-\\d\\dT\\d{6}Z-failed\\.html$`));
    expect(readFileSync(report!, 'utf8')).toContain('Körningen misslyckades med slutkod 4 (sourceUnavailable)');
    expect(st.logs()).toContain('E-mail alert (failed) sent to 2 recipient(s).');
  });

  it('the first good run after a bad one says so; the next good one sends nothing; a held run gets the approve command (in English)', async () => {
    const s = await smtp();
    const st = site(s, {}, { language: 'en' });
    const rec = await st.deliverTo();
    const fixture = readFileSync(join(st.dir, 'municipality.json'));
    rmSync(join(st.dir, 'municipality.json'));
    expect((await run(st)).code).toBe(4);

    st.fixture(JSON.parse(fixture.toString('utf8')));
    expect((await run(st)).code).toBe(0);
    expect(rec.imports).toHaveLength(1);
    expect(s.mails).toHaveLength(2);
    expect(subject(s.mails[1]!)).toBe(`procapita-sync on ${hostname()}: delivered, sync date 2026-09-01`);
    expect(body(s.mails[1]!)).toContain('The nightly run went well again, after one that did not.');
    expect(body(s.mails[1]!)).toMatch(/^Snapshot: 1 schools, 20 students, 1 staff, 4 classes, 0 teaching groups, \d+ memberships$/m);

    await st.deliverTo();
    expect((await run(st, '2026-09-02')).code).toBe(0);
    expect(s.mails).toHaveLength(2);

    // Every pupil gone: the deletion guard holds it.
    st.fixture(school.without(20));
    await st.deliverTo();
    const held = await run(st, '2026-09-03');
    expect(held.code).toBe(12);
    expect(s.mails).toHaveLength(3);
    const text = body(s.mails[2]!);
    expect(subject(s.mails[2]!)).toBe(`procapita-sync on ${hostname()}: HELD by the deletion guard, sync date 2026-09-03`);
    expect(text).toMatch(/After reading the review file, approve with:\n {2}procapita-sync approve sha256:[0-9a-f]{64} --config /);
    expect(text).toContain('Message: The deletion guard held snapshot sha256:');

    // No personal data in any of them: no name, no id of anyone in the register.
    const persons = (school.without(0) as unknown as { person: { person_id: string; given_name: string; family_name: string }[] }).person;
    expect(persons.length).toBeGreaterThan(20);
    const all = s.mails.map((m) => `${subject(m)}\n${body(m)}`).join('\n').toLowerCase();
    for (const p of persons) for (const value of [p.person_id, p.given_name, p.family_name]) expect(all).not.toContain(value.toLowerCase());
  });

  it('everyRun: a mail after every run, here over TLS from the first byte', async () => {
    const s = await smtp({ secure: true });
    const st = site(s, { security: 'tls', everyRun: true });
    await st.deliverTo();
    expect((await run(st)).code).toBe(0);
    await st.deliverTo();
    expect((await run(st, '2026-09-02')).code).toBe(0);
    expect(s.mails.map((m) => subject(m))).toEqual([
      `procapita-sync på ${hostname()}: levererad, synkdatum 2026-09-01`,
      `procapita-sync på ${hostname()}: oförändrad, inget skickat, synkdatum 2026-09-02`,
    ]);
  });

  it.each([
    ['a wrong password', {}, { PROCAPITA_SMTP_PASSWORD: 'fel' }, /The e-mail alert could not be sent: the SMTP server localhost:\d+ refused the login of procapita-larm\. Store the right password as the account that runs the task: procapita-sync credentials set smtpPassword\. The run's outcome stands\./],
    ['a certificate no configured CA signed', { certificate: 'untrusted' }, {}, /The e-mail alert could not be sent: the TLS certificate of the SMTP server localhost:\d+ is not trusted\. Name the CA that signed it in alerts\.email\.caFile\./],
    ['a server that closes the connection mid-message', { closeMidMessage: true }, {}, /The e-mail alert could not be sent: the connection to the SMTP server localhost:\d+ failed or was closed \(E[A-Z]+\)\./],
  ])('%s: a warning in the log, the exit code of the run as it was, no secret in any output', async (_, server, extraEnv, warning) => {
    const s = await smtp(server as Parameters<typeof smtp>[0]);
    const st = site(s);
    await st.deliverTo();
    rmSync(join(st.dir, 'municipality.json'));
    const r = await st.run({ env: { ...env, ...extraEnv } });
    expect(r.code).toBe(4);
    expect(s.mails).toHaveLength(0);
    expect(st.logs()).toMatch(warning);
    expect(`${r.stdout}${r.stderr}${st.logs()}${st.state('last-run.json')}`).not.toContain(SMTP_PASSWORD);
  });

  it('doctor checks the SMTP server, and with --send-test-alert sends one test message', async () => {
    const s = await smtp();
    const st = site(s);
    // A configuration a run accepts: doctor validates it as run does, and a missing target would be the first ✗.
    st.configure({ target: { type: 'directory', path: 'out' } });
    const plain = await runMain(['doctor', '--config', st.configPath], { env });
    expect(plain.stdout).toContain(`✓ SMTP server localhost:${s.port} (e-mail alerts): STARTTLS, logged in as procapita-larm\n`);
    expect(plain.stdout).not.toContain('Test alert');
    expect(s.mails).toHaveLength(0);

    const r = await runMain(['doctor', '--config', st.configPath, '--send-test-alert'], { env });
    expect(r.stdout).toContain('✓ Test alert to 2 recipient(s) sent: it-drift@kommun.example, skol-it@kommun.example\n');
    expect(s.mails).toHaveLength(1);
    expect(subject(s.mails[0]!)).toBe(`procapita-sync på ${hostname()}: ett test av e-postlarmen`);
    expect(body(s.mails[0]!)).toContain('Om du läser det når larmen fram.');

    const wrong = await runMain(['doctor', '--config', st.configPath, '--send-test-alert'], { env: { ...env, PROCAPITA_SMTP_PASSWORD: 'fel' } });
    expect(wrong.stdout).toMatch(/✗ SMTP server localhost:\d+ \(e-mail alerts\): the SMTP server localhost:\d+ refused the login of procapita-larm\./);
    expect(wrong.stdout).not.toContain('Test alert');
    expect(wrong.code).toBe(3);
    expect(s.mails).toHaveLength(1);
  });

  it('credentials test smtpPassword logs in with the stored password; doctor checks the server', async () => {
    const s = await smtp();
    const st = site(s, { passwordEnv: undefined });
    const store = new Map<string, string>([['smtpPassword', SMTP_PASSWORD]]);
    const secrets = { get: async (n: string) => store.get(n), set: async () => undefined, delete: async () => false };
    const r = await runMain(['credentials', 'test', 'smtpPassword', '--config', st.configPath], { env, secrets } as never);
    expect(r.stdout).toBe(`✓ SMTP server localhost:${s.port} (e-mail alerts): STARTTLS, logged in as procapita-larm\n`);
    expect(r.code).toBe(0);
  });
});
