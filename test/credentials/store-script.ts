/**
 * Drives keytarStore() in a process of its own, for test/credentials/store.test.ts:
 * each argument is an operation (get:NAME, set:NAME, delete:NAME, probe, and
 * peek:ACCOUNT, which reads the store's entry ACCOUNT past keytarStore()); `set`
 * takes its value from the JSON array on standard input, one value per `set`.
 * STORE_SERVICE in the environment names the store's service (default procapita-sync).
 * Prints one JSON line per operation: { op, ok, value? , code?, message? }.
 */
import { CREDENTIAL_SERVICE, keytarStore, type SecretName } from '../../src/configure/credentials';
import { AppError } from '../../src/errors';

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const text = Buffer.concat(chunks).toString('utf8');
const values = (text ? JSON.parse(text) : []) as string[];
// STORE_SERVICE: another service than procapita-sync, e.g. a named configuration's procapita-sync-<name>.
const service = process.env.STORE_SERVICE || CREDENTIAL_SERVICE;
const store = keytarStore(process.platform, service);
const peek = async (account: string) => (await (await import('@github/keytar')).default.getPassword(service, account)) ?? undefined;
for (const op of process.argv.slice(2)) {
  const [verb, name] = op.split(':') as [string, SecretName];
  try {
    const value =
      verb === 'get'
        ? await store.get(name)
        : verb === 'set'
          ? await store.set(name, values.shift()!)
          : verb === 'probe'
            ? await store.probe()
            : verb === 'peek'
              ? await peek(name)
              : await store.delete(name);
    console.log(JSON.stringify({ op, ok: true, ...(value !== undefined ? { value } : {}) }));
  } catch (err) {
    console.log(JSON.stringify({ op, ok: false, code: err instanceof AppError ? err.code : 'internal', message: (err as Error).message }));
  }
}
