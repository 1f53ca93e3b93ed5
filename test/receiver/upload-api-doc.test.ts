import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import SwaggerParser from '@apidevtools/swagger-parser';
import canonicalize from 'canonicalize';
import { COUNT_KINDS, uploadCounts } from '../../src/deliver/https-sink';
import { contentHash } from '../../src/deliver/snapshot';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { ERROR_CODES, HEARTBEAT_MAX_BYTES, HEARTBEAT_SCHEMA, MAX_DETAILS, startReceiver } from './receiver';
import { API_KEY, tinySnapshot, trustingAgent, upload } from './support';

const DOC = fileURLToPath(new URL('../../docs/upload-api.md', import.meta.url));
const doc = readFileSync(DOC, 'utf8');

function block(name: string): string {
  const start = doc.indexOf(`<!-- ${name}:start`);
  const end = doc.indexOf(`<!-- ${name}:end -->`);
  expect(start, `${name} block`).toBeGreaterThan(-1);
  return doc.slice(doc.indexOf('\n', start) + 1, end);
}

/** The parts of the dereferenced description these tests read. */
interface JsonSchema { title?: string; pattern?: string; required?: string[]; properties?: Record<string, JsonSchema> }
interface Media { schema: JsonSchema; example?: unknown; examples?: Record<string, { value: unknown }> }
interface Operation { requestBody?: { content: Record<string, Media> }; responses: Record<string, { content?: Record<string, Media> }> }
interface OpenApi { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, JsonSchema> } }

const openapiYaml = () => /^```yaml\n([\s\S]*)```\n$/.exec(block('openapi'))![1]!;

/**
 * The OpenAPI description, parsed, dereferenced and validated by swagger-parser: against the OpenAPI 3.1
 * schema, with every $ref resolved (the snapshot schema relative to docs/, as a reader's tool would).
 * The validator reads the page's path and gets `yaml`, the YAML between the markers, as its text.
 */
function validatedOpenApi(yaml = openapiYaml()): Promise<OpenApi> {
  const read = (file: { url: string }) => readFileSync(file.url, 'utf8');
  return SwaggerParser.validate(DOC, {
    resolve: { file: { read: (file: { url: string }) => (file.url === DOC ? yaml : read(file)) } },
    parse: { yaml: { canParse: /\.(md|ya?ml|json)$/ } },
  } as SwaggerParser.Options) as unknown as Promise<OpenApi>;
}

describe('docs/upload-api.md is a valid OpenAPI 3.1 description (an independent validator: @apidevtools/swagger-parser)', () => {
  it('validates, and the validator refuses a broken copy (so it really reads this block)', async () => {
    const api = await validatedOpenApi();
    expect(api.openapi).toBe('3.1.0');
    expect(Object.keys(api.paths)).toEqual(['/v1/snapshots', '/v1/ping', '/v1/heartbeat']);
    // The snapshot schema was fetched through its relative $ref.
    expect(api.paths['/v1/snapshots']!.post!.requestBody!.content['application/json']!.schema.title).toMatch(/snapshot/i);

    const broken = openapiYaml().replace('          description: Received. No body.\n', '');
    await expect(validatedOpenApi(broken)).rejects.toThrow(/validation failed/);
    await expect(validatedOpenApi(openapiYaml().replace("'#/components/schemas/ImportResult'", "'#/components/schemas/NoSuchThing'"))).rejects.toThrow(/NoSuchThing/);
  });

  it('every schema in it compiles as strict JSON Schema 2020-12, and every example of a schema is valid against it', async () => {
    const api = await validatedOpenApi();
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv);
    ajv.addKeyword('example');
    let examples = 0;
    for (const [path, item] of Object.entries(api.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const media = [op.requestBody?.content, ...Object.values(op.responses).map((r) => r.content)].flatMap((c) => (c ? Object.values(c) : []));
        for (const m of media) {
          const validate = ajv.compile(m.schema);
          for (const example of [...(m.example !== undefined ? [m.example] : []), ...Object.values(m.examples ?? {}).map((e) => e.value)]) {
            examples++;
            expect(validate(example), `${method} ${path}: ${JSON.stringify(validate.errors)}`).toBe(true);
          }
        }
      }
    }
    expect(examples).toBeGreaterThan(10);
  });

  it('the success answer is the confirmation: contentHash and the counts the client checks, and its examples confirm the hash vector', async () => {
    const api = await validatedOpenApi();
    const result = api.components.schemas.ImportResult!;
    expect(result.required).toEqual(['importId', 'status', 'contentHash', 'counts']);
    expect(result.properties!.contentHash!.pattern).toBe('^sha256:[0-9a-f]{64}$');
    expect(result.properties!.counts!.required).toEqual([...COUNT_KINDS]);
    const vector = JSON.parse(/```json\n(.*)\n```/.exec(block('hash-vector'))![1]!) as Parameters<typeof contentHash>[0];
    for (const status of ['200', '202']) {
      const example = api.paths['/v1/snapshots']!.post!.responses[status]!.content!['application/json']!.example;
      expect(example, status).toMatchObject({ contentHash: contentHash(vector), counts: uploadCounts(vector) });
    }
  });
});

describe('docs/upload-api.md stays in step with the reference receiver', () => {
  it("the receiver's 202 and 200 answers match the description's ImportResult, and confirm the snapshot sent", async () => {
    const api = await validatedOpenApi();
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    const validate = ajv.compile(api.components.schemas.ImportResult!);
    const receiver = await startReceiver({ apiKeys: [API_KEY] });
    const agent = trustingAgent();
    try {
      const snapshot = tinySnapshot();
      for (const status of [202, 200]) {
        const answer = await upload(receiver.url, snapshot, { dispatcher: agent });
        expect(answer.status).toBe(status);
        expect(validate(answer.json), JSON.stringify(validate.errors)).toBe(true);
        expect(answer.json).toMatchObject({ contentHash: snapshot.contentHash, counts: uploadCounts(snapshot) });
      }
    } finally {
      await Promise.all([receiver.close(), agent.close()]);
    }
  });

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
