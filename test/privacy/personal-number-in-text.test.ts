/**
 * A personnummer in exported text, end to end through the CLI: a protected
 * pupil's number written with a space inside another person's name, and a
 * guardian's (no one ProCapita holds) with dots in a group name. The run
 * stops with exit 7, says where and how many, writes no snapshot, and
 * echoes neither number anywhere. Then e-mail addresses built from the
 * personnummer: stopped by default, delivered with the switch on, which the
 * summary and the log then say.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_DATE, demoFixture, runCli, snapshotText, writeSetup } from '../support/cli';

type PersonRow = { given_name: string; family_name: string; personal_number: string | null; email: string | null; protected_identity: number | null };

/** Every file under a folder, as text; '' when there is none. */
function filesIn(dir: string): string {
  if (!existsSync(dir)) return '';
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

async function deliver(fixture: unknown, exportSettings: Record<string, unknown> = { personalNumber: false }) {
  const { dir, configPath } = writeSetup(fixture, { target: { type: 'directory', path: 'out' }, export: exportSettings });
  const r = await runCli(['run', '--config', configPath, '--date', DEMO_DATE]);
  return { ...r, out: join(dir, 'out'), logs: filesIn(join(dir, 'logs')), state: filesIn(join(dir, 'state')) };
}

describe('a personnummer in exported text, through the CLI', () => {
  it('stops the run with exit 7, counts per field, writes no snapshot and echoes no number', async () => {
    const fixture = demoFixture();
    const persons = fixture.person! as unknown as PersonRow[];
    const klara = persons.find((p) => p.given_name === 'Klara')!;
    expect(klara.protected_identity).not.toBe(0);
    const hugo = persons.find((p) => p.given_name === 'Hugo')!;
    hugo.family_name = `Dahl ${klara.personal_number!.slice(0, 8)} ${klara.personal_number!.slice(8)}`; // 20130707 0308
    const guardian = '1981.12.28-9874';
    const group = fixture.school_class!.find((c) => c.name === '7A')!;
    group.name = `7A (förälder ${guardian})`;

    const r = await deliver(fixture);

    expect(r.code).toBe(7);
    expect(r.stderr).toContain(
      'error: Privacy gate stopped the run: the outgoing snapshot held 1 personnummer in family names, 1 in group names. Nothing was delivered. Remove the personnummer from those fields in ProCapita, the mapping table or Active Directory.',
    );
    expect(snapshotText(r.out)).toBeNull();
    // Content hashes are hex and may hold any four digits by chance.
    const seen = [r.stdout, r.stderr, r.logs, r.state].join('\n').replace(/sha256:[0-9a-f]{64}/g, 'sha256:…');
    expect(r.logs).toContain('Privacy gate stopped the run');
    for (const canary of ['0308', '130707', '9874', '811228', '1981.12.28']) expect(seen, canary).not.toContain(canary);
  });

  describe('e-mail addresses built from the personnummer', () => {
    const fixture = demoFixture();
    for (const p of fixture.person! as unknown as PersonRow[]) if (p.personal_number) p.email = `${p.personal_number}@elev.demo.kommun.se`;

    it('stop the run by default, saying which field and how many', async () => {
      const r = await deliver(fixture);
      expect(r.code).toBe(7);
      expect(r.stderr).toContain(
        'error: Privacy gate stopped the run: the outgoing snapshot held 21 personnummer in e-mail local parts. Nothing was delivered. Remove the personnummer from those fields in ProCapita, the mapping table or Active Directory. If your e-mail addresses are built from personnummer on purpose, see export.allowPersonalNumberInEmail in `procapita-sync help configuration`.',
      );
      expect(snapshotText(r.out)).toBeNull();
      expect(r.stdout).not.toContain('export.allowPersonalNumberInEmail is on');
    });

    it('are delivered with export.allowPersonalNumberInEmail on, which the summary and the log say', async () => {
      const r = await deliver(fixture, { personalNumber: false, allowPersonalNumberInEmail: true });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const line = 'Personnummer are allowed in e-mail addresses (local part): export.allowPersonalNumberInEmail is on.';
      expect(r.stdout.split('\n')).toContain(line);
      expect(r.logs).toContain(line);
      const snapshot = JSON.parse(snapshotText(r.out)!) as { persons: { email: string | null }[] };
      expect(snapshot.persons.filter((p) => p.email?.endsWith('@elev.demo.kommun.se'))).toHaveLength(21);
    });
  });
});
