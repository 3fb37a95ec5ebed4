import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FieldChange } from '../../src/diff/changes.js';
import { hideSensitiveEnvironment } from '../../src/diff/sensitive.js';

const S = '(sensitive)';

test('the named keys, and every key the manifest no longer sets, are "(sensitive)" on both sides; other fields and values as they are', () => {
  const fields: FieldChange[] = [
    { path: 'environment.PASSWORD', before: 'old-pw', after: 'new-pw' },
    { path: 'environment.MODE', before: 'dev', after: 'prod' },
    { path: 'environment.GONE', before: 'was-secret' },
    { path: 'environment.ADDED', after: 'new-pw' },
    { path: 'environment["db.url"]', before: 'postgres://a', after: 'postgres://b' },
    { path: 'image', before: 'a:1', after: 'a:2' },
    { path: 'labels.PASSWORD', before: 'x', after: 'y' },
  ];
  assert.deepEqual(hideSensitiveEnvironment(fields, ['PASSWORD', 'ADDED', 'db.url']), [
    { path: 'environment.PASSWORD', before: S, after: S },
    { path: 'environment.MODE', before: 'dev', after: 'prod' },
    { path: 'environment.GONE', before: S },
    { path: 'environment.ADDED', after: S },
    { path: 'environment["db.url"]', before: S, after: S },
    { path: 'image', before: 'a:1', after: 'a:2' },
    { path: 'labels.PASSWORD', before: 'x', after: 'y' },
  ]);
});

test('a whole environment (an object created, or all of it changed): the named keys inside it; before, also the keys gone after', () => {
  assert.deepEqual(hideSensitiveEnvironment([{ path: 'environment', after: { MODE: 'prod', PASSWORD: 'pw' } }], ['PASSWORD']), [{ path: 'environment', after: { MODE: 'prod', PASSWORD: S } }]);
  assert.deepEqual(hideSensitiveEnvironment([{ path: 'environment', before: { OLD: 'x', MODE: 'dev' }, after: { MODE: 'prod' } }], []), [
    { path: 'environment', before: { OLD: S, MODE: 'dev' }, after: { MODE: 'prod' } },
  ]);
  assert.deepEqual(hideSensitiveEnvironment([{ path: 'environment.toString', before: 'a', after: 'b' }], []), [{ path: 'environment.toString', before: 'a', after: 'b' }]);
});
