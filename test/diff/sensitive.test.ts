import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FieldChange } from '../../src/diff/changes.js';
import { hideSecretValues, hideSensitiveEnvironment, redactSecrets, secretTexts } from '../../src/diff/sensitive.js';

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

test('secretTexts: each content as text and without its final line break, long enough to search for, longest first', () => {
  const bytes = (t: string): Uint8Array => new TextEncoder().encode(t);
  assert.deepEqual(secretTexts([bytes('hunter22\n'), bytes('abc'), bytes('   \n'), bytes('s3cr3t')]), ['hunter22\n', 'hunter22', 's3cr3t']);
});

test('redactSecrets: every occurrence, as is and as JSON escapes it', () => {
  const secrets = ['pa"ss\\word', 'hunter22'];
  assert.equal(redactSecrets('unable to find user hunter22: no matching entries; hunter22 again', secrets), `unable to find user ${S}: no matching entries; ${S} again`);
  assert.equal(redactSecrets(JSON.stringify({ label: 'x pa"ss\\word y' }), secrets), `{"label":"x ${S} y"}`);
});

test('hideSecretValues: a value holding a secret is hidden on both sides, a record only where it holds one, a config text diff goes', () => {
  const secrets = ['ENVSECRET_new'];
  const fields: FieldChange[] = [
    { path: 'labels.pw', before: 'ENVSECRET_old', after: 'ENVSECRET_new' },
    { path: 'labels.tier', before: 'a', after: 'b' },
    { path: 'labels', before: { pw: 'ENVSECRET_old', tier: 'a' }, after: { pw: 'ENVSECRET_new', tier: 'a' } },
    { path: 'command', after: ['sh', '-c', 'login --password=ENVSECRET_new'] },
    { path: 'user', after: 'ENVSECRET_new' },
    { path: 'content', before: '(20 bytes)', after: '(20 bytes)', text: { before: 'password=ENVSECRET_old\n', after: 'password=ENVSECRET_new\n' } },
    { path: 'content', before: '(4 bytes)', after: '(5 bytes)', text: { before: 'abc\n', after: 'abcd\n' } },
  ];
  assert.deepEqual(hideSecretValues(fields, secrets), [
    { path: 'labels.pw', before: S, after: S },
    { path: 'labels.tier', before: 'a', after: 'b' },
    { path: 'labels', before: { pw: S, tier: 'a' }, after: { pw: S, tier: 'a' } },
    { path: 'command', after: ['sh', '-c', S] },
    { path: 'user', after: S },
    { path: 'content', before: '(20 bytes)', after: '(20 bytes)' },
    { path: 'content', before: '(4 bytes)', after: '(5 bytes)', text: { before: 'abc\n', after: 'abcd\n' } },
  ]);
  assert.deepEqual(hideSecretValues(fields, []), fields);
});
