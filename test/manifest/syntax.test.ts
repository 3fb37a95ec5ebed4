import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quoteValue } from '../../src/manifest/issues.js';
import {
  parseCpus,
  parseDuration,
  checkExtraHost,
  parseExtraHost,
  parseMountShort,
  parseOctalMode,
  parsePortShort,
  parseRestart,
  parseSize,
  splitShellWords,
} from '../../src/manifest/syntax.js';

const value = <T>(r: { ok: true; value: T } | { ok: false; error: string }): T => {
  if (!r.ok) throw new Error(r.error);
  return r.value;
};
const error = (r: { ok: boolean; error?: string }): string => {
  assert.equal(r.ok, false);
  return r.error ?? '';
};

test('durations become integer nanoseconds, Go style', () => {
  assert.equal(value(parseDuration('1m30s')), 90e9);
  assert.equal(value(parseDuration('500ms')), 500e6);
  assert.equal(value(parseDuration('1.5h')), 5400e9);
  assert.equal(value(parseDuration('2h45m10s')), (2 * 3600 + 45 * 60 + 10) * 1e9);
  assert.equal(value(parseDuration('10us')), 10_000);
  assert.equal(value(parseDuration('10µs')), 10_000);
  assert.equal(value(parseDuration('7ns')), 7);
  assert.equal(value(parseDuration('0')), 0);
  assert.match(error(parseDuration('10')), /invalid duration "10"/);
  assert.match(error(parseDuration('1m30')), /invalid duration/);
  assert.match(error(parseDuration('1d')), /invalid duration/);
});

test('sizes become bytes with binary multiples, as Compose reads them', () => {
  assert.equal(value(parseSize('256M')), 256 * 1024 ** 2);
  assert.equal(value(parseSize('1g')), 1024 ** 3);
  assert.equal(value(parseSize('1gb')), 1024 ** 3);
  assert.equal(value(parseSize('512k')), 512 * 1024);
  assert.equal(value(parseSize('2b')), 2);
  assert.equal(value(parseSize('1.5k')), 1536);
  assert.equal(value(parseSize(1073741824)), 1073741824);
  assert.equal(value(parseSize('100')), 100);
  assert.match(error(parseSize('lots')), /invalid size/);
});

test('CPUs become nano-CPUs', () => {
  assert.equal(value(parseCpus(0.5)), 500_000_000);
  assert.equal(value(parseCpus('1.25')), 1_250_000_000);
  assert.equal(value(parseCpus(2)), 2_000_000_000);
  assert.match(error(parseCpus(0)), /positive/);
});

test('file modes are read as octal from how they were written, and ambiguity is refused', () => {
  assert.equal(value(parseOctalMode('0440')), 0o440);
  assert.equal(value(parseOctalMode('0o440')), 0o440);
  assert.equal(value(parseOctalMode('0400')), 0o400);
  assert.equal(value(parseOctalMode('0')), 0);
  assert.equal(value(parseOctalMode('01777', 0o7777)), 0o1777);
  assert.match(error(parseOctalMode('440')), /file mode 440 is ambiguous \(as a decimal number it would mean 0670\): write it in octal with a leading zero, e\.g\. 0440/);
  assert.match(error(parseOctalMode('01777')), /out of range/);
  assert.match(error(parseOctalMode('0o8')), /invalid file mode/);
  assert.match(error(parseOctalMode('rw-r--r--')), /invalid file mode/);
});

test('command strings are split into words like a shell does, without running one', () => {
  assert.deepEqual(value(splitShellWords('httpd -f -p 8080')), ['httpd', '-f', '-p', '8080']);
  assert.deepEqual(value(splitShellWords(`echo 'a  b' "c \\"d\\"" e\\ f`)), ['echo', 'a  b', 'c "d"', 'e f']);
  assert.deepEqual(value(splitShellWords(`sh -c 'echo $HOME'`)), ['sh', '-c', 'echo $HOME']);
  assert.deepEqual(value(splitShellWords(`""`)), ['']);
  assert.deepEqual(value(splitShellWords('  ')), []);
  assert.match(error(splitShellWords('a && b')), /shell operator "&"/);
  assert.match(error(splitShellWords('echo $(id)')), /shell operator "\$\("/);
  assert.match(error(splitShellWords(`echo 'open`)), /unterminated single quote/);
});

test('short port syntax: addresses, ranges, protocols', () => {
  assert.deepEqual(value(parsePortShort('80')), [{ target: 80, published: null, hostIp: '', protocol: 'tcp' }]);
  assert.deepEqual(value(parsePortShort(80)), [{ target: 80, published: null, hostIp: '', protocol: 'tcp' }]);
  assert.deepEqual(value(parsePortShort('8080:80/udp')), [{ target: 80, published: 8080, hostIp: '', protocol: 'udp' }]);
  assert.deepEqual(value(parsePortShort('127.0.0.1:8080-8081:80-81/udp')), [
    { target: 80, published: 8080, hostIp: '127.0.0.1', protocol: 'udp' },
    { target: 81, published: 8081, hostIp: '127.0.0.1', protocol: 'udp' },
  ]);
  assert.deepEqual(value(parsePortShort('127.0.0.1::80')), [{ target: 80, published: null, hostIp: '127.0.0.1', protocol: 'tcp' }]);
  assert.deepEqual(value(parsePortShort('[::1]:8080:80')), [{ target: 80, published: 8080, hostIp: '::1', protocol: 'tcp' }]);
  assert.deepEqual(value(parsePortShort('3000-3001')), [
    { target: 3000, published: null, hostIp: '', protocol: 'tcp' },
    { target: 3001, published: null, hostIp: '', protocol: 'tcp' },
  ]);
  assert.deepEqual(value(parsePortShort('9999:53/SCTP')), [{ target: 53, published: 9999, hostIp: '', protocol: 'sctp' }]);
  assert.match(error(parsePortShort('8000-8010:80')), /range of host ports for one container port/);
  assert.match(error(parsePortShort('81-80')), /first port is larger/);
  assert.match(error(parsePortShort('0:80')), /out of range/);
  assert.match(error(parsePortShort('a:b')), /invalid container port "b"/);
});

test('short mount syntax: named volumes, host paths, anonymous volumes, options', () => {
  assert.deepEqual(value(parseMountShort('data:/data')), { source: 'data', target: '/data', bind: false, readOnly: false, noCopy: false });
  assert.deepEqual(value(parseMountShort('data:/data:ro,nocopy')), { source: 'data', target: '/data', bind: false, readOnly: true, noCopy: true });
  assert.deepEqual(value(parseMountShort('./site:/www:ro')), { source: './site', target: '/www', bind: true, readOnly: true, noCopy: false });
  assert.deepEqual(value(parseMountShort('/srv:/srv:rw')), { source: '/srv', target: '/srv', bind: true, readOnly: false, noCopy: false });
  assert.deepEqual(value(parseMountShort('~/cache:/cache')), { source: '~/cache', target: '/cache', bind: true, readOnly: false, noCopy: false });
  assert.deepEqual(value(parseMountShort('/scratch')), { source: '', target: '/scratch', bind: false, readOnly: false, noCopy: false });
  assert.match(error(parseMountShort('data:rel')), /absolute path/);
  assert.match(error(parseMountShort('./a:/a:nocopy')), /"nocopy" is not supported by moor \(use ro or rw\)/);
});

test('restart policies and extra hosts', () => {
  assert.deepEqual(parseRestart('on-failure:3'), { name: 'on-failure', maxRetries: 3 });
  assert.deepEqual(parseRestart('on-failure'), { name: 'on-failure', maxRetries: 0 });
  assert.deepEqual(parseRestart('unless-stopped'), { name: 'unless-stopped', maxRetries: 0 });
  assert.equal(value(parseExtraHost('db=10.0.0.2')), 'db:10.0.0.2');
  assert.equal(value(parseExtraHost('db:10.0.0.2')), 'db:10.0.0.2');
  assert.equal(value(parseExtraHost('v6=[::1]')), 'v6:::1');
  assert.equal(value(parseExtraHost('gw:host-gateway')), 'gw:host-gateway');
});

test('messages quote only the first word of a value: a misindented line run into it may hold a secret', () => {
  assert.equal(quoteValue('8080:80'), '"8080:80"');
  assert.equal(quoteValue(443), '"443"');
  assert.equal(quoteValue('8080:80 API_TOKEN=hunter2'), '"8080:80 ..." (shortened)');
  assert.equal(quoteValue('1m\nhunter2'), '"1m ..." (shortened)');
  const port = parsePortShort('8080:80 API_TOKEN=hunter2');
  assert.ok(!port.ok && !port.error.includes('hunter2'), port.ok ? '' : port.error);
});

test('an extra host written host=ip or {host: ip} (an environment entry moved into extra_hosts) with a bad address is quoted by its host only', () => {
  const moved = parseExtraHost('PASSWORD=hunter2');
  assert.ok(!moved.ok && moved.error === 'invalid extra host "PASSWORD=..." (shortened): expected an IP address (or host-gateway) after "="', moved.ok ? '' : moved.error);
  const mapping = checkExtraHost('PASSWORD', 'hunter2', false);
  assert.ok(!mapping.ok && mapping.error === 'invalid address for extra host "PASSWORD": expected an IP address (or host-gateway)', mapping.ok ? '' : mapping.error);
  const colon = parseExtraHost('db:not-an-ip');
  assert.ok(!colon.ok && colon.error === 'invalid address "not-an-ip" for extra host "db"', colon.ok ? '' : colon.error);
});

test('of a word written as an assignment (an environment entry moved among the ports), messages quote only the key', () => {
  assert.equal(quoteValue('PASSWORD=hunter2'), '"PASSWORD=..." (shortened)');
  assert.equal(quoteValue('com.example.tier=front'), '"com.example.tier=..." (shortened)');
  assert.equal(quoteValue(':ASSWORD=CANARY-fuzz'), '":ASSWORD=..." (shortened)', 'a line cut before its key (the manifest fuzzer)');
  const port = parsePortShort('PASSWORD=hunter2');
  assert.ok(!port.ok && port.error === 'invalid container port "PASSWORD=..." (shortened)', port.ok ? '' : port.error);
  // Not assignments: a path, a value that only ends with "=".
  assert.equal(quoteValue('secrets/a=b.txt'), '"secrets/a=b.txt"');
  assert.equal(quoteValue('KEY='), '"KEY="');
});
