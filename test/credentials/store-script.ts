/**
 * Drives keytarStore() in a process of its own, for test/credentials/store.test.ts:
 * each argument is an operation (get:NAME, set:NAME, delete:NAME); `set` takes
 * its value from the JSON array on standard input, one value per `set`.
 * STORE_SERVICE in the environment names the store's service (default procapita-sync).
 * Prints one JSON line per operation: { op, ok, value? , code?, message? }.
 */
import { keytarStore, type SecretName } from '../../src/configure/credentials';
import { AppError } from '../../src/errors';

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const text = Buffer.concat(chunks).toString('utf8');
const values = (text ? JSON.parse(text) : []) as string[];
// STORE_SERVICE: another service than procapita-sync, e.g. a named configuration's procapita-sync-<name>.
const store = keytarStore(process.platform, process.env.STORE_SERVICE || undefined);
for (const op of process.argv.slice(2)) {
  const [verb, name] = op.split(':') as [string, SecretName];
  try {
    const value = verb === 'get' ? await store.get(name) : verb === 'set' ? await store.set(name, values.shift()!) : await store.delete(name);
    console.log(JSON.stringify({ op, ok: true, ...(value !== undefined ? { value } : {}) }));
  } catch (err) {
    console.log(JSON.stringify({ op, ok: false, code: err instanceof AppError ? err.code : 'internal', message: (err as Error).message }));
  }
}
