import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeRegistryAuth, encodeRegistryAuth, registryAuthHeaders } from '../../src/engine/auth.js';
import { encodeFilters, labelFilter } from '../../src/engine/filters.js';
import { splitImageReference } from '../../src/engine/images.js';
import { formatTimestamp } from '../../src/engine/logs.js';
import { apiPath, encodeQuery, literal } from '../../src/engine/transport.js';

test('filters encode in the map form, with sorted names and values, and nothing for no filter', () => {
  assert.equal(encodeFilters({ label: ['b=2', 'a=1'], type: 'container' }), '{"label":{"a=1":true,"b=2":true},"type":{"container":true}}');
  assert.equal(encodeFilters({ type: 'container', label: 'x' }), encodeFilters({ label: ['x'], type: ['container'] }));
  assert.equal(encodeFilters({}), undefined);
  assert.equal(encodeFilters({ label: [], name: undefined }), undefined);
  assert.equal(encodeFilters(undefined), undefined);
});

test('label filters are built from a label map, a missing value matching any', () => {
  assert.deepEqual(labelFilter({ 'io.moor.project': 'web', 'io.moor.managed': undefined }), ['io.moor.managed', 'io.moor.project=web']);
});

test('X-Registry-Auth is base64url JSON, with padding as Go writes it, and round-trips any credentials', () => {
  const header = encodeRegistryAuth({ username: 'u', password: '>>>???', serveraddress: 'localhost:5000' });
  assert.match(header, /^[A-Za-z0-9_-]+=*$/);
  assert.equal(header.length % 4, 0);
  assert.deepEqual(decodeRegistryAuth(header), { username: 'u', password: '>>>???', serveraddress: 'localhost:5000' });
  assert.deepEqual(registryAuthHeaders(undefined), {});
  assert.deepEqual(Object.keys(registryAuthHeaders({ identitytoken: 't' })), ['X-Registry-Auth']);
  fc.assert(
    fc.property(fc.string(), fc.string(), (username, password) => {
      const encoded = encodeRegistryAuth({ username, password });
      return /^[A-Za-z0-9_-]*=*$/.test(encoded) && JSON.stringify(decodeRegistryAuth(encoded)) === JSON.stringify({ username, password });
    }),
  );
});

test('paths encode user-supplied values and keep a route without them', () => {
  assert.deepEqual(apiPath`/images/${'moor/busybox:latest'}/json`, { path: '/images/moor%2Fbusybox%3Alatest/json', route: '/images/{id}/json' });
  assert.deepEqual(apiPath`/${literal('secrets')}/${'a b'}/update`, { path: '/secrets/a%20b/update', route: '/secrets/{id}/update' });
  assert.equal(encodeQuery({ all: true, force: false, t: 3, skip: undefined }), '?all=true&force=false&t=3');
  assert.equal(encodeQuery({}), '');
});

test('an image reference splits into name and tag (or digest), the tag defaulting to latest', () => {
  assert.deepEqual(splitImageReference('busybox'), { fromImage: 'busybox', tag: 'latest' });
  assert.deepEqual(splitImageReference('moor/busybox:1.36'), { fromImage: 'moor/busybox', tag: '1.36' });
  assert.deepEqual(splitImageReference('localhost:5000/moor/busybox'), { fromImage: 'localhost:5000/moor/busybox', tag: 'latest' });
  assert.deepEqual(splitImageReference('localhost:5000/b:2'), { fromImage: 'localhost:5000/b', tag: '2' });
  assert.deepEqual(splitImageReference('b@sha256:abc'), { fromImage: 'b', tag: 'sha256:abc' });
});

test('timestamps are Unix seconds with sub-second precision', () => {
  assert.equal(formatTimestamp(new Date(1_700_000_000_250)), '1700000000.25');
  assert.equal(formatTimestamp(1_700_000_000), '1700000000');
  assert.equal(formatTimestamp('1700000000.000000001'), '1700000000.000000001');
  assert.equal(formatTimestamp(undefined), undefined);
});
