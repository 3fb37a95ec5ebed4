// The tables below were checked against a Docker Engine 20.10 (POST /containers/create and
// /services/create): every value said to pass was taken by it, every one refused was refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCapability, checkImageReference, checkStopSignal } from '../../src/manifest/engine-values.js';
import { normaliseCapability } from '../../src/manifest/syntax.js';

const hex = (n: number, c = 'a'): string => c.repeat(n);

test('image references the Engine takes pass, for containers and services', () => {
  for (const ref of [
    'busybox',
    'moor/busybox:latest',
    'moor/busybox:LATEST',
    'moor/busybox:_x',
    `moor/busybox:${hex(128)}`,
    'a.b/c',
    'A.B:99/c',
    'Registry.Example:5000/moor/busybox',
    'localhost/c',
    'localhost:5000/c:1',
    '1.2.3.4:5/x',
    'a/b/c/d/e',
    'a__b',
    'a--b',
    'a_b/c',
    'a.b',
    'docker.io/library/busybox',
    `x@sha256:${hex(64)}`,
    `x@sha384:${hex(96)}`,
    `x:1@sha512:${hex(128)}`,
    `sha256:${hex(64, 'b')}`,
    hex(63, 'b'),
    hex(237),
  ]) {
    assert.equal(checkImageReference(ref, 'container'), null, ref);
    assert.equal(checkImageReference(ref, 'service'), null, ref);
  }
});

test('an image reference with capitals in its repository name is refused as the Engine refuses it', () => {
  for (const ref of ['Moor/BUSYBOX:latest', 'moor/Busybox', 'LOCALHOST/c', 'docker.io/Library/busybox', 'local/C']) {
    assert.deepEqual(checkImageReference(ref, 'container'), {
      severity: 'error',
      message: `invalid image reference ${JSON.stringify(ref)}: the repository name must be lowercase (only a registry host may have capitals)`,
    });
  }
});

test('a malformed image reference is refused, saying which part is wrong', () => {
  const why = (ref: string): string => checkImageReference(ref, 'container')?.message.replace(/^invalid image reference ".*?": /, '') ?? 'passed';
  assert.equal(why('moor/busybox:la:test'), 'a reference has one tag at most (NAME:TAG)');
  assert.equal(why('a:b:c'), 'a reference has one tag at most (NAME:TAG)');
  assert.match(why('moor/busybox:-x'), /^a tag is 1 to 128 letters/);
  assert.match(why('moor/busybox:.x'), /^a tag is 1 to 128 letters/);
  assert.match(why(`moor/busybox:${hex(129)}`), /^a tag is 1 to 128 letters/);
  assert.match(why('x:'), /^a tag is 1 to 128 letters/);
  for (const ref of [`x@sha256:${hex(63)}`, `x@SHA256:${hex(64)}`, `x@sha256:${hex(64, 'A')}`, `x@md5:${hex(32)}`, 'x@']) assert.match(why(ref), /^a digest is "sha256:" and 64 lowercase/, ref);
  for (const ref of ['a..b/c', 'a:99x/c', 'a-.b/c', 'a.b-/e', '[::1]:5000/c']) assert.match(why(ref), /^the registry host must be/, ref);
  for (const ref of ['a___b', 'a._b', 'a-', '-a', '_a', 'x/a..b', 'x//y', '/x', 'x/']) assert.match(why(ref), /^the parts of a repository name/, ref);
  for (const ref of [':tag', `@sha256:${hex(64)}`]) assert.equal(why(ref), 'the repository name is missing', ref);
  // Counted as the Engine counts it: docker.io/library/ + 237 = 255.
  assert.match(why(hex(238)), /^the repository name is 256 characters as the Engine counts it/);
  assert.equal(why(`x/${hex(243)}`), 'passed');
  assert.match(why(`x/${hex(244)}`), /^the repository name is 256 characters/);
});

test('a long name part with a bad character at its end is refused at once (the check must not backtrack exponentially)', { timeout: 10_000 }, () => {
  for (const ref of [`${'a'.repeat(5000)}!`, `x/${'a1'.repeat(2000)}-!`, `${'a-'.repeat(3000)}`]) {
    assert.match(checkImageReference(ref, 'container')?.message ?? 'passed', /^invalid image reference/, ref.slice(0, 20));
  }
  assert.equal(checkImageReference(`x/${'a-b'.repeat(50)}`, 'container'), null, 'long, and valid');
});

test('an image ID names a container image, but not a service image (Swarm refuses it)', () => {
  assert.equal(checkImageReference(hex(64, 'b'), 'container'), null);
  assert.match(checkImageReference(hex(64, 'b'), 'service')?.message ?? '', /^an image ID \(".*"\) cannot be used for a service: Swarm needs a repository name/);
});

test('stop signals are names with or without SIG, in any case, or numbers, as the Engine parses them', () => {
  for (const s of ['SIGTERM', 'TERM', 'sigterm', 'SigInt', 'SIGKILL', 'SIGRTMIN', 'SIGRTMIN+3', 'RTMIN+15', 'rtmax', 'SIGRTMAX-14', 'SIGCLD', 'SIGPOLL', 'IOT', 'STKFLT', '1', '9', '+3', '64', '']) {
    assert.equal(checkStopSignal(s), null, s);
  }
  for (const s of ['NOTASIGNAL', 'RTMIN+16', 'RTMAX-15', 'SIGSIGTERM', 'SIGUNUSED', 'SIGINFO', 'SIG', ' 9', '1.5', '0x9', '0', '-0', '9223372036854775808']) {
    assert.equal(checkStopSignal(s)?.severity, 'error', s);
  }
  assert.equal(checkStopSignal('SIGTREM')?.message, 'unknown stop signal "SIGTREM" (did you mean "SIGTERM"?)');
  assert.equal(checkStopSignal('NOTASIGNAL')?.message, 'unknown stop signal "NOTASIGNAL": use a name such as SIGTERM, SIGINT or SIGRTMIN+3, or a number from 1 to 64');
});

test('a stop signal number that is no Linux signal is a warning: the Engine takes it, but cannot send it', () => {
  for (const s of ['65', '99', '-1', '9223372036854775807']) assert.equal(checkStopSignal(s)?.severity, 'warning', s);
  assert.match(checkStopSignal('99')?.message ?? '', /^"99" is not a Linux signal \(1 to 64\)/);
});

test('capabilities are known names, with or without CAP_, in any case, or ALL', () => {
  const check = (written: string): ReturnType<typeof checkCapability> => checkCapability(normaliseCapability(written), written);
  for (const c of ['NET_ADMIN', 'net_admin', 'CAP_NET_ADMIN', 'Cap_Sys_Admin', 'ALL', 'all', 'AUDIT_READ', 'BLOCK_SUSPEND', 'WAKE_ALARM', 'LEASE', 'CHOWN']) assert.equal(check(c), null, c);
  assert.deepEqual(check('NOT_A_CAP'), { severity: 'error', message: 'unknown capability "NOT_A_CAP"' });
  assert.deepEqual(check('NET_ADMN'), { severity: 'error', message: 'unknown capability "NET_ADMN" (did you mean "NET_ADMIN"?)' });
  assert.equal(check('CAP_CAP_CHOWN')?.severity, 'error');
});

test('the capabilities only newer Engines know are warned about, not refused', () => {
  for (const c of ['PERFMON', 'bpf', 'CAP_CHECKPOINT_RESTORE']) assert.equal(checkCapability(normaliseCapability(c), c)?.severity, 'warning', c);
});
