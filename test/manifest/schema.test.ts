import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { SCHEMA_PATH, TYPES_PATH, generateManifestTypes } from '../../scripts/gen-types.js';

test('the schema is draft 2020-12 with an $id, and compiles in strict mode', async () => {
  const schema = JSON.parse(await readFile(SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(typeof schema.$id, 'string');
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
  ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
  assert.equal(typeof ajv.compile(schema), 'function');
});

test('src/manifest/manifest-types.ts is generated from the schema and up to date (npm run gen:types)', async () => {
  assert.equal(await readFile(TYPES_PATH, 'utf8'), await generateManifestTypes(), 'run npm run gen:types and commit the result');
});
