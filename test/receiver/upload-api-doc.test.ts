import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import canonicalize from 'canonicalize';
import { contentHash } from '../../src/deliver/snapshot';
import { ERROR_CODES, MAX_DETAILS } from './receiver';

const doc = readFileSync(new URL('../../docs/upload-api.md', import.meta.url), 'utf8');

function block(name: string): string {
  const start = doc.indexOf(`<!-- ${name}:start`);
  const end = doc.indexOf(`<!-- ${name}:end -->`);
  expect(start, `${name} block`).toBeGreaterThan(-1);
  return doc.slice(doc.indexOf('\n', start) + 1, end);
}

describe('docs/upload-api.md stays in step with the reference receiver', () => {
  it('the OpenAPI error enum lists exactly the error codes the receiver sends', () => {
    const openapi = block('openapi');
    const list = /description: A stable machine-readable code\.\n\s+enum:\n((?:\s+- [a-z-]+\n)+)/.exec(openapi);
    expect(list).not.toBeNull();
    expect(list![1]!.trim().split('\n').map((l) => l.trim().slice(2))).toEqual([...ERROR_CODES]);
    for (const code of ERROR_CODES) expect(doc.replace(block('openapi'), ''), code).toContain(`\`${code}\``);
  });

  it('the OpenAPI description answers every status the receiver can send, and caps details as it does', () => {
    const openapi = block('openapi');
    for (const status of [200, 202, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 502, 503, 504]) expect(openapi, String(status)).toContain(`'${status}':`);
    expect(openapi).toContain(`maxItems: ${MAX_DETAILS}`);
    expect(openapi).toContain("$ref: '../assets/snapshot-v1.schema.json'");
  });

  it('the content hash test vector is what contentHash() computes', () => {
    const vector = block('hash-vector');
    const json = /```json\n(.*)\n```/.exec(vector)![1]!;
    const hash = /`(sha256:[0-9a-f]{64})`/.exec(vector)![1]!;
    const content = JSON.parse(json) as Parameters<typeof contentHash>[0] & { formatVersion: number };
    expect(canonicalize(content)).toBe(json);
    expect(contentHash(content)).toBe(hash);
    // The request example on the page uses the same key.
    expect(doc).toContain(`Idempotency-Key: ${hash}`);
  });
});
