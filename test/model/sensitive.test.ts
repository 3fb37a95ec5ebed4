import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { test } from 'node:test';
import { Sensitive } from '../../src/model/sensitive.js';
import { matchesFingerprint, saltedFingerprint, specHash, stableStringify } from '../../src/model/hash.js';

const CANARY = 'CANARY-7f3c-secret-bytes';

test('a sensitive value never renders its bytes through JSON, inspect or string conversion', () => {
  const s = new Sensitive(Buffer.from(CANARY));
  const renderings = [JSON.stringify({ s }), inspect({ s }, { depth: 5 }), `${s}`, String(s), stableStringify({ nested: [s] })];
  for (const r of renderings) {
    assert.ok(!r.includes(CANARY), `leaked in: ${r}`);
    assert.ok(r.includes('(sensitive)'), `no placeholder in: ${r}`);
  }
  assert.equal(Buffer.from(s.reveal()).toString(), CANARY);
});

test('stable stringify sorts keys at every depth and drops undefined', () => {
  assert.equal(stableStringify({ b: 1, a: { d: [2, { z: 1, y: undefined, x: 0 }], c: null } }), '{"a":{"c":null,"d":[2,{"x":0,"z":1}]},"b":1}');
  assert.equal(specHash({ a: 1, b: 2 }), specHash({ b: 2, a: 1 }));
  assert.notEqual(specHash({ a: 1 }), specHash({ a: 2 }));
});

test('a salted fingerprint matches only the same bytes, and differs per salt', () => {
  const bytes = Buffer.from('hunter2');
  const f1 = saltedFingerprint(bytes, 'aaaa');
  const f2 = saltedFingerprint(bytes, 'bbbb');
  assert.notEqual(f1, f2);
  assert.ok(matchesFingerprint(bytes, f1));
  assert.ok(matchesFingerprint(bytes, f2));
  assert.ok(!matchesFingerprint(Buffer.from('hunter3'), f1));
  assert.ok(!matchesFingerprint(bytes, 'no-colon'));
});
