/** `npm run tds-server`: starts from a fixture, says where it listens and how to log in, and stops on Ctrl-C. */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import sql from 'mssql';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

it('serves a fixture on the port it prints, with the login it prints, until SIGINT', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/tds/cli.ts', '--fixture', 'assets/demo/municipality.json', '--user', 'tester'], {
    cwd: ROOT,
    env: { ...process.env, TDS_PASSWORD: 'Hemligt 1!' },
  });
  try {
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    while (!/Ctrl-C/.test(output)) await once(child.stdout, 'data');
    expect(output).toMatch(/^TDS test server listening on 127\.0\.0\.1:\d+\ndatabase ProCapita, user tester, password \(from TDS_PASSWORD\)\n/);
    const port = Number(/:(\d+)\n/.exec(output)![1]);

    const pool = await new sql.ConnectionPool({ server: '127.0.0.1', port, database: 'ProCapita', user: 'tester', password: 'Hemligt 1!', options: { encrypt: false } }).connect();
    const result = await pool.request().query('SELECT COUNT(*) AS n FROM person');
    await pool.close();
    expect(result.recordset).toEqual([{ n: 41 }]);

    child.kill('SIGINT');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  } finally {
    child.kill();
  }
});

it('--help prints the usage (exit 0); an unknown option says which, with the usage and no stack (exit 2)', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'test/tds/cli.ts', ...args], { cwd: ROOT, encoding: 'utf8' });
  const usage = 'usage: npm run tds-server -- --fixture FILE [--port N] [--host H] [--user U --password P] [--tls]\n';
  expect(run('--help')).toMatchObject({ status: 0, stdout: usage, stderr: '' });
  expect(run('--fixtrue', 'x.json')).toMatchObject({ status: 2, stdout: '', stderr: `Unknown option '--fixtrue'\n${usage}` });
});
