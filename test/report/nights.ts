/**
 * Four nights of the demo municipality through the CLI, each leaving its run
 * report: a first delivery, a delivery with changes, a held run and a failed
 * one. The report tests read what they left, as text and in Chromium.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_DATE, demoFixture, runCli, writeSetup, type CliResult } from '../support/cli';

type Row = Record<string, unknown>;
export type Fixture = Record<string, Row[]>;

/** Text a spreadsheet would run as a formula: the CSV must make it text. */
export const FORMULA_NAME = '=HYPERLINK("http://example.invalid/x","klicka")';
/** A personnummer typed into a name (a valid one, Klara's, who is protected): the reports mask it. */
export const NUMBER_IN_NAME = (f: Fixture) => `Dahl ${String(byGiven(f, 'Klara').personal_number)}`;

export const byGiven = (f: Fixture, given: string): Row => f.person!.find((p) => p.given_name === given)!;

export interface Night {
  readonly label: 'first' | 'changes' | 'held' | 'failed';
  readonly result: CliResult;
  readonly lastRun: { contentHash: string | null; report: string | null; counts: Record<string, number> | null; outcome: string };
}

export interface Nights {
  readonly dir: string;
  readonly configPath: string;
  readonly state: string;
  readonly reports: string;
  /** Before any change: the persons as the first night read them. */
  readonly fixture: Fixture;
  /** The register of the second night. */
  readonly second: Fixture;
  readonly nights: Record<Night['label'], Night>;
}

/** The second night's register: one renamed, one deregistered, one newly protected, one new, a class renamed. */
function secondNight(first: Fixture): Fixture {
  const f = structuredClone(first);
  byGiven(f, 'Hugo').family_name = 'Dahlberg';
  byGiven(f, 'Ella').deregistered = true;
  byGiven(f, 'Noah').protected_identity = 1;
  f.school_class!.find((c) => c.name === '7A')!.name = '7A Ht';
  const ella = byGiven(f, 'Ella');
  const placement = f.class_placement!.find((p) => p.person_id === ella.person_id)!;
  f.person!.push({ ...ella, person_id: '0c0ffee0-0000-4000-8000-000000000001', given_name: 'Nova', family_name: 'Nyström', personal_number: null, email: 'nova.nystrom@demo.kommun.se', deregistered: false });
  f.class_placement!.push({ ...placement, placement_id: '0c0ffee0-0000-4000-8000-000000000002', person_id: '0c0ffee0-0000-4000-8000-000000000001' });
  // Neither student nor staff: left out as no-role, into the CSV.
  f.person!.push({ ...ella, person_id: '0c0ffee0-0000-4000-8000-000000000003', given_name: FORMULA_NAME, family_name: 'Olsson', personal_number: null, email: null, deregistered: false });
  f.person!.push({ ...ella, person_id: '0c0ffee0-0000-4000-8000-000000000004', given_name: 'Pia', family_name: NUMBER_IN_NAME(f), personal_number: null, email: null, deregistered: false });
  return f;
}

/** The third night's: class 7A emptied, five of fourteen students gone, which the guard holds. */
function thirdNight(second: Fixture): Fixture {
  const c7a = second.school_class!.find((c) => c.name === '7A Ht')!.class_id;
  return { ...second, class_placement: second.class_placement!.filter((p) => p.class_id !== c7a) };
}

export async function fourNights(config: Record<string, unknown> = {}): Promise<Nights> {
  const fixture = demoFixture() as Fixture;
  const { dir, configPath } = writeSetup(fixture, { target: { type: 'directory', path: 'out' }, guard: { maxRemovals: { percent: 20, count: 500 } }, ...config });
  const state = join(dir, 'state');
  const run = async (label: Night['label'], day: number): Promise<Night> => {
    const result = await runCli(['run', '--config', configPath, '--date', DEMO_DATE], new Date(`2026-09-0${day}T01:00:00Z`));
    return { label, result, lastRun: JSON.parse(readFileSync(join(state, 'last-run.json'), 'utf8')) as Night['lastRun'] };
  };
  const first = await run('first', 1);
  const second = secondNight(fixture);
  writeFileSync(join(dir, 'municipality.json'), JSON.stringify(second));
  const changes = await run('changes', 2);
  writeFileSync(join(dir, 'municipality.json'), JSON.stringify(thirdNight(second)));
  const held = await run('held', 3);
  rmSync(join(dir, 'municipality.json'));
  const failed = await run('failed', 4);
  return { dir, configPath, state, reports: join(state, 'reports'), fixture, second, nights: { first, changes, held, failed } };
}
