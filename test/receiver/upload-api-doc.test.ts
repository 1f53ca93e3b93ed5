import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import canonicalize from 'canonicalize';
import { contentHash } from '../../src/deliver/snapshot';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { ERROR_CODES, HEARTBEAT_MAX_BYTES, HEARTBEAT_SCHEMA, MAX_DETAILS } from './receiver';

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

  it('the OpenAPI Heartbeat schema is exactly the one the receiver validates with (assets/heartbeat-v1.schema.json)', () => {
    const openapi = block('openapi');
    // Written as JSON inside the YAML, so it can be compared without a YAML parser.
    const inline = /\n {4}Heartbeat:\n(?: {6}#.*\n)*( {6}\{\n[\s\S]*?\n {6}\})\n/.exec(openapi);
    expect(inline, 'Heartbeat schema in components').not.toBeNull();
    expect(JSON.parse(inline![1]!)).toEqual(HEARTBEAT_SCHEMA);
    expect(HEARTBEAT_SCHEMA).toEqual(JSON.parse(readFileSync(new URL('../../assets/heartbeat-v1.schema.json', import.meta.url), 'utf8')));
  });

  it('the OpenAPI heartbeat operation refers to that schema, answers what the receiver answers, and its example is valid and the page\'s', () => {
    const openapi = block('openapi');
    const start = openapi.indexOf('\n  /v1/heartbeat:\n');
    expect(start).toBeGreaterThan(-1);
    const path = openapi.slice(start, openapi.indexOf('\ncomponents:\n', start));
    expect(path).toContain('operationId: heartbeat\n');
    expect(path).toContain("$ref: '#/components/schemas/Heartbeat'");
    for (const status of [204, 400, 401, 403, 404, 405, 413, 415, 422, 429, 500, 502, 503, 504]) expect(path, String(status)).toContain(`'${status}':`);
    expect(path).toContain(`example: { error: too-large, limit: ${HEARTBEAT_MAX_BYTES} }`);
    expect(doc).toContain(`at most 16 KiB (${HEARTBEAT_MAX_BYTES} bytes)`);
    expect(doc).toContain('| `POST` | `{base}/v1/heartbeat` |');

    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv);
    const validate = ajv.compile(HEARTBEAT_SCHEMA);
    const example = JSON.parse(/\n {12}example: (\{.*\})\n/.exec(path)![1]!) as unknown;
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    const prose = block('heartbeat-example');
    expect(JSON.parse(/\n\n(\{[\s\S]*\})\n```/.exec(prose)![1]!)).toEqual(example);
  });
});
