import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineError, classifyHttpError, classifyTransportError, readEngineMessage } from '../../src/engine/errors.js';
import { classifyPullError } from '../../src/engine/images.js';
import { compareApiVersions, negotiateApiVersion } from '../../src/engine/version.js';

test('HTTP errors are classified by message first, then by status', () => {
  const cases: [number, string, string][] = [
    [500, 'rpc error: code = Unknown desc = update out of sequence', 'out-of-sequence'],
    [400, 'rpc error: code = InvalidArgument desc = update out of sequence', 'out-of-sequence'],
    [503, 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.', 'not-swarm-manager'],
    [503, 'This node is not part of a swarm', 'not-swarm-manager'],
    [503, 'Swarm is encrypted and needs to be unlocked before it can be used.', 'not-swarm-manager'],
    [409, 'remove moor-vol: volume is in use - [abc]', 'in-use'],
    [400, 'rpc error: code = InvalidArgument desc = secret \'s\' is in use by the following service: web', 'in-use'],
    [403, 'error while removing network: network n id abc has active endpoints', 'in-use'],
    [400, 'client version 1.41 is too old. Minimum supported API version is 1.44', 'version'],
    [400, 'client version 1.99 is too new. Maximum supported API version is 1.41', 'version'],
    [404, 'No such container: x', 'not-found'],
    [409, 'Conflict. The container name "/x" is already in use by container "abc".', 'conflict'],
    [500, 'rpc error: code = Unknown desc = name conflicts with an existing object', 'conflict'],
    [400, 'invalid service version \'x\'', 'bad-request'],
    [403, 'endpoint with name x already exists in network y', 'forbidden'],
    [401, 'unauthorized', 'forbidden'],
    [501, 'rpc error: code = Unimplemented desc = renaming services is not supported', 'not-implemented'],
    [500, 'Head "http://127.0.0.1:5000/v2/x/manifests/latest": no basic auth credentials', 'forbidden'],
    [500, 'unauthorized: authentication required', 'forbidden'],
    [500, 'network 4ol4jekhi8a0zz779ge67vkhq not found', 'not-found'],
    [500, 'something broke', 'server'],
    [502, 'bad gateway', 'server'],
  ];
  for (const [status, message, kind] of cases) assert.equal(classifyHttpError(status, message), kind, `${status} ${message}`);
});

test('transport failures are classified: connect problems are unreachable, stalls are timeouts', () => {
  const withCode = (code: string, message = code): Error => Object.assign(new Error(message), { code });
  assert.equal(classifyTransportError(withCode('ECONNREFUSED')).kind, 'unreachable');
  assert.equal(classifyTransportError(withCode('ENOENT')).kind, 'unreachable');
  assert.equal(classifyTransportError(withCode('EACCES')).kind, 'unreachable');
  assert.equal(classifyTransportError(withCode('ENOTFOUND')).kind, 'unreachable');
  assert.equal(classifyTransportError(withCode('UND_ERR_CONNECT_TIMEOUT')).kind, 'unreachable');
  assert.equal(classifyTransportError(withCode('ETIMEDOUT')).kind, 'unreachable');
  assert.equal(classifyTransportError(withCode('UND_ERR_HEADERS_TIMEOUT')).kind, 'timeout');
  assert.equal(classifyTransportError(withCode('UND_ERR_BODY_TIMEOUT')).kind, 'timeout');
  assert.equal(classifyTransportError(withCode('HPE_INVALID_CONSTANT')).kind, 'protocol');
  const tls = classifyTransportError(withCode('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'));
  assert.equal(tls.kind, 'unreachable');
  assert.match(tls.reason, /TLS handshake failed: unable to verify the first certificate/);
  // undici wraps the socket error: the innermost code decides
  const wrapped = Object.assign(new Error('fetch failed'), { code: 'UND_ERR_SOCKET', cause: withCode('ECONNREFUSED') });
  assert.equal(classifyTransportError(wrapped).reason, 'cannot connect: connection refused (ECONNREFUSED)');
});

test('the Engine message is read from {"message"}, and an excerpt of anything else', () => {
  assert.equal(readEngineMessage('{"message":"No such container: x"}\n'), 'No such container: x');
  assert.equal(readEngineMessage('<html>bad gateway</html>'), '<html>bad gateway</html>');
  assert.equal(readEngineMessage(''), null);
  assert.equal(readEngineMessage('x'.repeat(400))?.length, 301);
});

test('an EngineError message names the endpoint, method, path, status and the Engine message', () => {
  const err = new EngineError({
    kind: 'out-of-sequence',
    endpoint: 'unix:///var/run/docker.sock',
    method: 'POST',
    path: '/services/abc/update',
    status: 500,
    engineMessage: 'rpc error: code = Unknown desc = update out of sequence',
  });
  assert.equal(err.message, 'Engine at unix:///var/run/docker.sock: POST /services/abc/update failed (500): rpc error: code = Unknown desc = update out of sequence');
  assert.equal(err.code, 'ENGINE');
  assert.equal(err.name, 'EngineError');
});

test('in-stream pull errors are classified by their text', () => {
  assert.equal(classifyPullError('manifest for x:latest not found: manifest unknown'), 'not-found');
  assert.equal(classifyPullError('unauthorized: authentication required'), 'forbidden');
  assert.equal(classifyPullError('connection reset by peer'), 'server');
});

test('negotiation picks min(server, 1.41) and refuses older servers', () => {
  assert.equal(negotiateApiVersion('e', '1.41'), '1.41');
  assert.equal(negotiateApiVersion('e', '1.51'), '1.41');
  assert.throws(() => negotiateApiVersion('e', '1.40'), /API 1\.40 at most, but moor needs API 1\.41/);
  assert.throws(() => negotiateApiVersion('e', ''), /not a version number/);
  assert.equal(compareApiVersions('1.9', '1.10'), -1);
  assert.equal(compareApiVersions('1.41', '1.41'), 0);
});
