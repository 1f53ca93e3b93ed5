/** Every command looks for the configuration where the setup wizard writes it, when --config is not given. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli';

describe("--config defaults to the wizard's path", () => {
  it('on Windows %ProgramData%\\procapita-sync\\config.json, which --help shows and an error names', async () => {
    const io = { platform: 'win32' as const };
    const env = { ProgramData: 'D:\\ProgramData' };
    for (const command of [['status'], ['run'], ['explain', 'x'], ['report'], ['doctor'], ['approve', 'h'], ['credentials', 'set', 'sqlPassword'], ['schedule', 'install'], ['schedule', 'status'], ['schedule', 'remove']]) {
      const help = await runCli([...command, '--help'], undefined, env, io);
      expect(help.stdout.replace(/\s+/g, ' '), command.join(' ')).toContain('(default: D:\\ProgramData\\procapita-sync\\config.json)');
    }
    const r = await runCli(['status'], undefined, env, io);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: Configuration D:\\ProgramData\\procapita-sync\\config\.json/);
  });

  it('on Linux /etc/procapita-sync/config.json, named when it is not there', async () => {
    const r = await runCli(['status'], undefined, {}, { platform: 'linux' });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: Configuration \/etc\/procapita-sync\/config\.json/);
    expect(r.stderr).toContain('Give the path of the configuration file with --config.');
  });
});
