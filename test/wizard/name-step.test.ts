/**
 * A second configuration beside the one in the usual place (wizard/steps/name.ts): it is asked for a name,
 * and never given the name, or no name, the first one has, which would share its task, secrets and folders.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAnswers } from '../../wizard/answers';
import { nameStep } from '../../wizard/steps/name';
import { tempDir } from '../support/cli';
import { stepContext } from './support';

/** A first configuration in "the usual place", with the name given (or none), and a path for a second one beside it. */
function beside(name?: string) {
  const dir = tempDir('procapita-sync-name-');
  const usual = join(dir, 'usual', 'config.json');
  mkdirSync(join(dir, 'usual'));
  writeFileSync(usual, JSON.stringify({ ...(name ? { name } : {}), schools: [] }));
  return { usual, configPath: join(dir, 'second', 'config.json') };
}

describe('a second configuration beside the first', () => {
  it('beside one with no name, Enter (no name) is refused, as both would share everything; a name is taken', async () => {
    const { usual, configPath } = beside();
    const { ctx, prompts, out } = stepContext({ usualConfigPath: usual, configPath, script: ['', 'north'] });
    await nameStep(ctx);
    expect(out()).toContain(`This server already has a configuration, ${usual}.`);
    expect(prompts.screen).toEqual([
      '? Name of this configuration (lowercase a-z, digits, hyphens) ',
      `> ${usual} has no name, and two configurations with the same name share the scheduled task, the secrets and the folders. Give this one another name.`,
      '? Name of this configuration (lowercase a-z, digits, hyphens) north',
    ]);
    expect(ctx.draft.name).toBe('north');
  });

  it("beside one named north, north is refused and no name is fine, in Swedish", async () => {
    const { usual, configPath } = beside('north');
    const { ctx, prompts } = stepContext({ lang: 'sv', usualConfigPath: usual, configPath, script: ['north', ''] });
    await nameStep(ctx);
    expect(prompts.screen).toEqual([
      '? Namn på den här konfigurationen (små bokstäver a-z, siffror, bindestreck; Enter: inget namn) north',
      `> ${usual} heter redan north, och två konfigurationer med samma namn delar schemalagd aktivitet, hemligheter och mappar. Ge den här ett annat namn.`,
      '? Namn på den här konfigurationen (små bokstäver a-z, siffror, bindestreck; Enter: inget namn) ',
    ]);
    expect(ctx.draft.name).toBeUndefined();
  });

  it.each([
    ['the same name given ahead', 'north', { name: 'north' }],
    ['no name given ahead, beside one with none', undefined, {}],
  ])('%s: a usage error before anything is asked', async (_, first, flags) => {
    const { usual, configPath } = beside(first);
    const { ctx, prompts } = stepContext({ usualConfigPath: usual, configPath, answers: await loadAnswers({ nonInteractive: true, ...flags }) });
    await expect(nameStep(ctx)).rejects.toMatchObject({ code: 'usage', message: expect.stringContaining('two configurations with the same name share the scheduled task') });
    expect(prompts.screen).toEqual([]);
  });

  it('another name given ahead is taken', async () => {
    const { usual, configPath } = beside('north');
    const { ctx } = stepContext({ usualConfigPath: usual, configPath, answers: await loadAnswers({ nonInteractive: true, name: 'south' }) });
    await nameStep(ctx);
    expect(ctx.draft.name).toBe('south');
  });
});
