/**
 * The real prompts (@inquirer/prompts, through wizard/prompts.ts), driven
 * with @inquirer/testing: what the terminal shows, keystroke by keystroke.
 */
import { screen } from '@inquirer/testing/vitest';
import { beforeAll, describe, expect, it } from 'vitest';
import { readFixture } from '../../src/extract/fixture-source';
import type { SourceRows } from '../../src/extract/contract';
import { messagesFor } from '../../src/messages';
import { GoBack, inquirerPrompts } from '../../wizard/prompts';
import { privacyStep } from '../../wizard/steps/privacy';
import { schoolsStep } from '../../wizard/steps/schools';
import { scheduleStep } from '../../wizard/steps/schedule';
import { sqlStep } from '../../wizard/steps/sql';
import { teachingGroupsStep } from '../../wizard/steps/teaching-groups';
import { DEMO_FIXTURE } from '../support/cli';
import { stepContext } from './support';

let rows: SourceRows;
beforeAll(async () => {
  rows = await readFixture(DEMO_FIXTURE);
});

/** Waits for screen updates until the screen shows `text`. */
async function until(text: string): Promise<void> {
  for (let i = 0; i < 20 && !screen.getScreen().includes(text); i++) await screen.next();
  expect(screen.getScreen()).toContain(text);
}

/** A step context with the real prompts; Escape is listened for on the test screen's input. */
async function real(o: Parameters<typeof stepContext>[0] = {}) {
  return stepContext({ ...o, prompts: await inquirerPrompts(messagesFor(o.lang ?? 'en'), { input: screen.input }) });
}

describe('the real prompts', () => {
  it('privacy: yes/no questions with their defaults, in Swedish', async () => {
    const { ctx } = await real({ lang: 'sv' });
    const done = privacyStep(ctx);
    expect(screen.getScreen()).toBe('? Exportera personnummer? (j/N)');
    screen.keypress('enter');
    await screen.next();
    expect(screen.getScreen()).toBe('? Utelämna personer som saknar e-postadress? (j/N)');
    screen.type('ja');
    screen.keypress('enter');
    await done;
    expect(ctx.draft).toEqual({ export: { personalNumber: false }, email: { requireEmail: true } });
  });

  it('schools: type to search, Enter ticks, the search text stays, "Done" ends', async () => {
    const { ctx } = await real({ rows });
    const done = schoolsStep(ctx);
    await until('Done (0 selected)'); // the list, once the source has answered
    expect(screen.getScreen()).toBe(
      [
        '? Schools to deliver',
        '❯ Done (0 selected)',
        '  [ ] BJSK F  Björkskolan  (3 students)',
        '  [ ] BJSK GR  Björkskolan  (15 students)',
        '  [ ] EKGY GY  Ekdalens gymnasium  (4 students)',
        '  [ ] GMSK GR  Gamla skolan  (0 students, not active today)',
        '  [ ] LIFS FS  Lindens förskola  (1 student)',
        '',
        '↑↓ navigate • ⏎ select',
      ].join('\n'),
    );
    screen.type('ekdal');
    await until('? Schools to deliver ekdal\n');
    expect(screen.getScreen()).not.toContain('Björkskolan');
    screen.keypress('down');
    expect(screen.getScreen()).toContain('❯ [ ] EKGY GY  Ekdalens gymnasium  (4 students)');
    // The active row shows its dates.
    expect(screen.getScreen()).toContain('school unit 2005-08-01 – no end date; school form 2005-08-01 – no end date');
    screen.keypress('enter');
    // Back with the same search text, the school ticked and the cursor on it.
    await until('Done (1 selected)');
    expect(screen.getScreen()).toContain('? Schools to deliver ekdal');
    expect(screen.getScreen()).toContain('❯ [x] EKGY GY  Ekdalens gymnasium');
    screen.keypress('up');
    screen.keypress('enter');
    await done;
    expect(ctx.draft.schools).toEqual([{ unitCode: 'EKGY', schoolForm: 'GY' }]);
  });

  it('schools: after a search, one choice selects every school it shows, and again unselects them', async () => {
    const { ctx } = await real({ rows });
    const done = schoolsStep(ctx);
    await until('Done (0 selected)');
    expect(screen.getScreen()).not.toContain('shown'); // no search yet: nothing to select all of
    screen.type('bjsk');
    await until('Select all 2 shown');
    screen.keypress('down');
    expect(screen.getScreen()).toContain('❯ Select all 2 shown');
    screen.keypress('enter');
    await until('Done (2 selected)');
    expect(screen.getScreen()).toContain('[x] BJSK F  Björkskolan');
    expect(screen.getScreen()).toContain('[x] BJSK GR  Björkskolan');
    expect(screen.getScreen()).toContain('Unselect all 2 shown');
    screen.keypress('up');
    screen.keypress('enter');
    await done;
    expect(ctx.draft.schools).toEqual([
      { unitCode: 'BJSK', schoolForm: 'F' },
      { unitCode: 'BJSK', schoolForm: 'GR' },
    ]);
  });

  it('the Windows password is masked', async () => {
    const { ctx } = await real({ platform: 'win32', env: { USERDOMAIN: 'KOMMUN', USERNAME: 'svc' } });
    const done = scheduleStep(ctx);
    screen.keypress('enter'); // 18:30
    await screen.next();
    screen.keypress('enter'); // register: yes (the account was settled before the first question)
    await screen.next();
    expect(screen.getScreen()).toContain('Windows password of KOMMUN\\svc');
    screen.type('Hemligt1!');
    expect(screen.getScreen()).toContain('*********');
    expect(screen.getScreen()).not.toContain('Hemligt1!');
    screen.keypress('enter');
    await done;
    expect(ctx.schedule).toEqual({ time: '18:30', account: 'KOMMUN\\svc', register: true, password: 'Hemligt1!' });
  });

  it('Escape goes back to the previous question, which shows the answer given as its default', async () => {
    const { ctx } = await real({ lang: 'sv' });
    const done = privacyStep(ctx);
    expect(screen.getScreen()).toBe('? Exportera personnummer? (j/N)');
    screen.type('ja');
    screen.keypress('enter');
    await screen.next();
    expect(screen.getScreen()).toBe('? Utelämna personer som saknar e-postadress? (j/N)');
    screen.keypress('escape');
    await until('Exportera personnummer?');
    // The first question again, its default now the yes given.
    expect(screen.getScreen()).toBe('? Exportera personnummer? (J/n)');
    screen.type('nej');
    screen.keypress('enter');
    await screen.next();
    expect(screen.getScreen()).toBe('? Utelämna personer som saknar e-postadress? (j/N)');
    screen.keypress('enter');
    await done;
    expect(ctx.draft).toEqual({ export: { personalNumber: false }, email: { requireEmail: false } });
  });

  it('Escape in a text goes back to the list before it, the cursor on the choice made', async () => {
    const { ctx } = await real({ rows, draft: { schools: [{ unitCode: 'BJSK', schoolForm: 'GR' }] } });
    const done = teachingGroupsStep(ctx);
    expect(screen.getScreen()).toContain('? Which activities?');
    screen.keypress('down');
    screen.keypress('enter');
    await until('? Name prefix');
    screen.type('Mate');
    screen.keypress('escape');
    await until('? Which activities?');
    expect(screen.getScreen()).toContain('❯ Those whose name starts with a given text');
    screen.keypress('down');
    screen.keypress('enter');
    await until('? Name suffix');
    screen.type('A');
    screen.keypress('enter');
    await until('? Use this choice?');
    screen.keypress('enter');
    await done;
    expect(ctx.draft.teachingGroups).toEqual({ select: 'nameSuffix', suffix: 'A' });
  });

  it('Escape in the first question of a step leaves the step, to the step before', async () => {
    const { ctx } = await real({});
    const done = sqlStep(ctx);
    screen.type('sql01');
    screen.keypress('enter');
    await until('? Named instance');
    screen.keypress('escape');
    await until('? SQL Server host name or address (sql01)');
    screen.keypress('escape');
    await expect(done).rejects.toThrow(GoBack);
    expect(ctx.draft.source).toMatchObject({ host: 'sql01' });
  });
});
