/**
 * When setup ends on Windows, whether the console window is kept open until
 * Enter (src/cli/console-window.ts). The wine test (test/exe/wine.test.ts)
 * shows it in a real console; here each way of starting it.
 */
import { describe, expect, it } from 'vitest';
import { keepsWindowOpen, parentFrom, parentQuery, type Parent } from '../../src/cli/console-window';

const console = { interactive: true, platform: 'win32' as const };

describe('keeping the console window open when setup ends', () => {
  it.each<[string, string[], Parent, boolean]>([
    ['double-clicked: no arguments', [], 'other', true],
    ['runas … "procapita-sync.exe setup": runas has exited by the end', ['setup'], 'gone', true],
    ['a shortcut with arguments, from Explorer', ['setup', '--lang', 'en'], 'other', true],
    ['typed in cmd.exe or PowerShell: the window stays anyway', ['setup', '--config', 'D:\\sync\\config.json'], 'shell', false],
    ['setup --help', ['setup', '--help'], 'gone', false],
    ['a scripted install', ['setup', '--non-interactive', '--answers', 'a.json'], 'gone', false],
    ['another command', ['run'], 'gone', false],
  ])('%s: %s', (_, argv, parent, keeps) => {
    expect(keepsWindowOpen(argv, console, parent)).toBe(keeps);
  });

  it('never outside Windows, nor without a terminal', () => {
    expect(keepsWindowOpen(['setup'], { interactive: true, platform: 'linux' }, 'gone')).toBe(false);
    expect(keepsWindowOpen([], { interactive: false, platform: 'win32' }, 'gone')).toBe(false);
  });

  it('asks tasklist for the parent process by its id, one CSV line without a header', () => {
    expect(parentQuery(4242)).toEqual({ file: 'tasklist.exe', args: ['/FI', 'PID eq 4242', '/FO', 'CSV', '/NH'] });
  });

  it.each<[string, string, Parent]>([
    ['cmd.exe', '"cmd.exe","4242","Console","1","5,120 K"\r\n', 'shell'],
    ['PowerShell 7', '"pwsh.exe","77","RDP-Tcp#3","2","80,512 K"\r\n', 'shell'],
    ['Windows PowerShell, upper case', '"POWERSHELL.EXE","77","Console","1","60,000 K"\r\n', 'shell'],
    ['Explorer', '"explorer.exe","1200","Console","1","98,000 K"\r\n', 'other'],
    ['no such process (English)', 'INFO: No tasks are running which match the specified criteria.\r\n', 'other'],
    ['no such process (Swedish Windows)', 'INFORMATION: Det finns inga aktiviteter som matchar de angivna villkoren.\r\n', 'other'],
    ['nothing', '', 'other'],
  ])('reads tasklist: %s', (_, stdout, parent) => {
    expect(parentFrom(stdout)).toBe(parent);
  });
});
