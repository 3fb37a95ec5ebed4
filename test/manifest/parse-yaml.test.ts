import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIssue } from '../../src/manifest/issues.js';
import { MAX_DEPTH, MAX_FLOW_DEPTH, findExcessiveCompactNesting, findExcessiveFlowNesting, parseYaml } from '../../src/manifest/parse-yaml.js';
import { toPlain } from '../../src/manifest/tree.js';

const plain = (src: string): unknown => {
  const r = parseYaml(src, 'm.yaml');
  assert.deepEqual(r.issues.map(formatIssue), []);
  assert.ok(r.root !== null);
  return toPlain(r.root);
};
const problems = (src: string): string[] => parseYaml(src, 'm.yaml').issues.map(formatIssue);

function billionLaughs(levels: number): string {
  let src = 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  for (let i = 1; i <= levels; i++) src += `a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(',')}]\n`;
  return src;
}

test('a billion-laughs document is refused quickly, without expanding it', () => {
  const before = process.memoryUsage().heapUsed;
  const start = performance.now();
  const issues = problems(billionLaughs(9));
  const elapsed = performance.now() - start;
  assert.equal(issues.length, 1);
  assert.match(issues[0] ?? '', /YAML aliases expand to more than 50000 values \(an alias bomb\?\); the document is refused/);
  assert.ok(elapsed < 1000, `took ${elapsed} ms`);
  assert.ok(process.memoryUsage().heapUsed - before < 200 * 1024 * 1024);
});

test('ordinary aliases are expanded, each use keeping the anchor\'s value', () => {
  assert.deepEqual(plain('a: &x {k: [1, 2]}\nb: *x\nc: [*x, *x]\n'), { a: { k: [1, 2] }, b: { k: [1, 2] }, c: [{ k: [1, 2] }, { k: [1, 2] }] });
});

test('an alias refers to the last anchor of that name before it', () => {
  assert.deepEqual(plain('a: &x 1\nb: *x\nc: &x 2\nd: *x\n'), { a: 1, b: 1, c: 2, d: 2 });
});

test('an alias with no anchor is not named: an unquoted value that starts with "*" (a password) is one', () => {
  assert.deepEqual(problems('environment:\n  PASSWORD: *hunter2\n'), [
    'm.yaml:2:13: environment.PASSWORD: this YAML alias has no anchor (&name) before it: a value that starts with "*" is an alias; quote it if it is not meant as one',
  ]);
});

test('an anchor on an empty value (an unquoted value that starts with "&") is a warning, once, without its name', () => {
  const r = parseYaml('environment:\n  PASSWORD: &hunter2\n  COPY: *hunter2\n', 'm.yaml');
  assert.ok(r.root !== null);
  assert.deepEqual(toPlain(r.root), { environment: { PASSWORD: null, COPY: null } });
  assert.deepEqual(r.issues.map((i) => [i.severity, formatIssue(i)]), [
    ['warning', 'm.yaml:2:21: warning: environment.PASSWORD: this value is empty, with a YAML anchor (&name) on it: a value that starts with "&" is an anchor; quote it if it is not meant as one'],
  ]);
  // Quoted, it is the value; an anchor on a value, or an explicit null, says nothing.
  assert.deepEqual(plain('PASSWORD: "&hunter2"\nx: &a 1\ny: *a\nz: &b null\n'), { PASSWORD: '&hunter2', x: 1, y: 1, z: null });
});

test('merge keys: explicit keys win, then the first merged mapping', () => {
  assert.deepEqual(plain('x: &x {a: 1, b: 1}\ny: &y {b: 2, c: 2}\nz:\n  <<: [*x, *y]\n  c: 3\n'), { x: { a: 1, b: 1 }, y: { b: 2, c: 2 }, z: { a: 1, b: 1, c: 3 } });
  assert.deepEqual(problems('x: [1]\ny:\n  <<: [1]\n'), ['m.yaml:3:8: y["<<"]: a merge key (<<) takes a mapping or a list of mappings']);
  // A quoted "<<" is an ordinary key.
  assert.deepEqual(plain('y:\n  "<<": 1\n'), { y: { '<<': 1 } });
});

test('a second merge key in a mapping is a duplicate key, not merged silently', () => {
  const src = 'x: &x {a: 1}\ny: &y {b: 2}\nz:\n  <<: *x\n  <<: *y\n';
  const r = parseYaml(src, 'm.yaml');
  assert.equal(r.root, null);
  assert.deepEqual(r.issues.map(formatIssue), ['m.yaml:5:3: z["<<"]: duplicate merge key (first defined at line 4, column 3): merge several mappings with one, <<: [*a, *b]']);
});

test('a __proto__-like key is refused and left out, and the rest of the document is still read', () => {
  const r = parseYaml('a:\n  __proto__: {x: 1}\n  b: 2\nconstructor: 3\nc: [4]\n', 'm.yaml');
  assert.deepEqual(r.issues.map(formatIssue), ['m.yaml:2:3: a: the key "__proto__" is not allowed', 'm.yaml:4:1: the key "constructor" is not allowed']);
  assert.ok(r.root !== null);
  assert.deepEqual(toPlain(r.root), { a: { b: 2 }, c: [4] });
  // Another problem of the document still makes it unreadable.
  assert.equal(parseYaml('__proto__: 1\na: 1\na: 2\n', 'm.yaml').root, null);
});

test('YAML 1.2 core schema: no Norway problem, octal needs 0o, 1.10 is a number', () => {
  assert.deepEqual(plain('a: NO\nb: yes\nc: on\nd: 0400\ne: 0o400\nf: 1.10\ng: "1.10"\nh: 22:22\n'), { a: 'NO', b: 'yes', c: 'on', d: 400, e: 256, f: 1.1, g: '1.10', h: '22:22' });
});

test('scalars remember how they were written', () => {
  const r = parseYaml('mode: 0440\nq: "0440"\nv: 1.10\n', 'm.yaml');
  assert.ok(r.root?.kind === 'map');
  const texts = [...r.root.entries.values()].map((e) => (e.value.kind === 'scalar' ? [e.value.text, e.value.plain] : null));
  assert.deepEqual(texts, [
    ['0440', true],
    ['0440', false],
    ['1.10', true],
  ]);
});

test('positions are 1-based lines and columns of the value', () => {
  const r = parseYaml('a:\n  b:\n    - x\n    - {c: 1}\n', 'm.yaml');
  assert.ok(r.root?.kind === 'map');
  const b = r.root.entries.get('a')?.value;
  assert.ok(b?.kind === 'map');
  const list = b.entries.get('b');
  assert.deepEqual(list?.keyLoc, { file: 'm.yaml', line: 2, column: 3 });
  assert.ok(list?.value.kind === 'seq');
  assert.deepEqual(list.value.items[1]?.loc, { file: 'm.yaml', line: 4, column: 7 });
});

test('deeply nested flow collections are refused before the parser runs', () => {
  const deep = `a: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`;
  const start = performance.now();
  assert.deepEqual(problems(deep), [`m.yaml:1:${4 + MAX_FLOW_DEPTH}: YAML flow collections ([ ] or { }) are nested more than ${MAX_FLOW_DEPTH} deep`]);
  assert.ok(performance.now() - start < 1000);
  // Brackets inside quoted strings and comments do not count.
  assert.equal(findExcessiveFlowNesting(`a: "${'['.repeat(500)}"\nb: '${'{'.repeat(500)}'\n# ${'['.repeat(500)}\n`), null);
  assert.equal(findExcessiveFlowNesting(`a: [${'[1], '.repeat(500)}]\n`), null);
});

test('an empty document is an empty mapping', () => {
  assert.deepEqual(plain(''), {});
  assert.deepEqual(plain('# just a comment\n'), {});
});

test('keys that are not strings are spelled as written', () => {
  assert.deepEqual(plain('1: a\ntrue: b\n0o10: c\n'), { '1': 'a', true: 'b', '0o10': 'c' });
});

test('messages never contain source text', () => {
  const secretLine = 'password: "CANARY-7f3c\n  next: x\n';
  for (const src of [secretLine, `a: |x CANARY-7f3c\n  b\n`, `a: !!binary CANARY-7f3c\n`, `a: b: CANARY-7f3c\n`]) {
    for (const issue of problems(src)) assert.doesNotMatch(issue, /CANARY/, issue);
  }
});

/**
 * The CPU time `fn` takes, in ms. These tests bound work that would be quadratic or worse (minutes)
 * if the guard broke: CPU time, unlike wall time, does not grow with the machine's load.
 */
function cpuMs(fn: () => void): number {
  const before = process.cpuUsage();
  fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

test('compact block collections nested too deep on one line are refused before parsing, in bounded time', () => {
  let parsed: ReturnType<typeof parseYaml> | undefined;
  const ms = cpuMs(() => (parsed = parseYaml(`project: p\nx-deep:\n${'- '.repeat(5_000_000)}x\n`, 'moor.yaml')));
  assert.ok(ms < 2000, `took ${ms} ms of CPU (43 s without the guard)`);
  assert.ok(parsed !== undefined);
  assert.equal(parsed.root, null);
  assert.deepEqual(parsed.issues.map((i) => `${i.line}:${i.column} ${i.message}`), [`3:${2 * MAX_DEPTH + 1} the document is nested more than ${MAX_DEPTH} levels deep`]);
  assert.equal(findExcessiveCompactNesting(`a:\n${'- '.repeat(MAX_DEPTH)}x\n`), null, 'up to the limit is parsed');
  assert.equal(findExcessiveCompactNesting(`a: |\n  ${'-'.repeat(5000)}\n  - - - x\n`), null, 'dashes that are not indicators do not count');
});

test('a mapping of 200,000 keys is read in seconds (yaml\'s own duplicate-key check is quadratic: moor finds duplicates itself)', () => {
  let parsed: ReturnType<typeof parseYaml> | undefined;
  const ms = cpuMs(() => (parsed = parseYaml(`project: p\nx-wide:\n${Array.from({ length: 200_000 }, (_, i) => `  k${i}: v`).join('\n')}\n  k7: again\n`, 'moor.yaml')));
  assert.ok(ms < 20_000, `took ${ms} ms of CPU (7 minutes with yaml's check)`);
  assert.ok(parsed !== undefined);
  assert.deepEqual(parsed.issues.map((i) => `${i.line}:${i.column} ${i.message}`), ['200003:3 x-wide.k7: duplicate key (first defined at line 10, column 3)']);
});
