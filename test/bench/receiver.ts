/**
 * The reference receiver (test/receiver/receiver.ts) in a process of its own
 * for the benchmark, so that the driver's process does not share a CPU queue
 * with the upload it measures. Prints "receiver listening on URL"; runs until
 * SIGTERM or SIGINT. The API key comes from BENCH_API_KEY.
 *   node --import tsx test/bench/receiver.ts
 */
import { startReceiver } from '../receiver/receiver';

const apiKey = process.env.BENCH_API_KEY;
if (!apiKey) throw new Error('BENCH_API_KEY is not set');
// xlarge's snapshot is well over the default 50 MiB; the test certificates are the default TLS.
const receiver = await startReceiver({ apiKeys: [apiKey], maxBytes: 512 * 1024 * 1024 });
console.log(`receiver listening on ${receiver.url}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void receiver.close().then(() => process.exit(0)));
}
