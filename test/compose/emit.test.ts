// The YAML that moor convert writes: it parses back to the same values, and keeps the spellings
// moor reads values by (octal modes, 1.10, ${VARIABLES}).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { emitYaml } from '../../src/compose/emit.js';
import { map, scalar, seq } from '../../src/compose/nodes.js';
import { interpolateTree } from '../../src/manifest/interpolate.js';
import { Issues } from '../../src/manifest/issues.js';
import { parseYaml } from '../../src/manifest/parse-yaml.js';
import { type Node, toPlain } from '../../src/manifest/tree.js';

const LOC = { file: 't.yaml', line: 1, column: 1 };

function parse(text: string): Node {
  const parsed = parseYaml(text, 't.yaml');
  assert.deepEqual(parsed.issues, [], text);
  return parsed.root as Node;
}

/** A tree built the way the translator builds nodes (no source text), from a JSON-like value. */
function build(value: unknown): Node {
  if (Array.isArray(value)) return seq(value.map(build), LOC);
  if (value !== null && typeof value === 'object') return map(Object.entries(value).map(([k, v]) => [k, { keyLoc: LOC, value: build(v) }]), LOC);
  return scalar(value as string | number | boolean | null, LOC);
}

test('any tree of strings, integers, booleans, nulls, lists and mappings reads back as the same values', () => {
  const key = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !['__proto__', 'constructor', 'prototype', '<<'].includes(k));
  const leaf = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ maxLength: 10, unit: 'binary' }), fc.integer(), fc.boolean(), fc.constant(null), fc.constantFrom('true', '0440', '1.10', 'null', '- x', 'a: b', '#c', ' lead', 'trail ', 'line\nbreak\n', '\n\nx\n\n', '  indented\nblock', "it's", '"q"', '{x}', '*a', '&b', '!t', '%p', '@at', '`tick', '~', '', 'yes', '${VAR}'));
  const tree = fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(key, tie('node'), { maxKeys: 4, noNullPrototype: true })),
  })).node;
  fc.assert(
    fc.property(fc.dictionary(key, tree, { maxKeys: 5, noNullPrototype: true }), (value) => {
      const text = emitYaml(build(value));
      assert.deepEqual(toPlain(parse(text)), value, text);
    }),
    { numRuns: 300 },
  );
});

test('spellings survive: octal modes, 1.10, quoted "yes", and values written with ${VARIABLES} (not their values)', () => {
  const source = 'mode: 0440\nversion: 1.10\nflag: "yes"\nport: "8080:80"\nimage: app:${TAG:-1.0}\nsecret: "${PASSWORD}"\nreplicas: ${N}\nname: ${COMPOSE_PROJECT_NAME}\n';
  const failed = new Issues();
  const interpolated = interpolateTree(parse(source), (n) => ({ TAG: '2.0', PASSWORD: 'hunter2', N: '3', COMPOSE_PROJECT_NAME: 'shop' })[n], failed);
  assert.equal(failed.count, 0);
  const out = emitYaml(interpolated);
  assert.equal(out, 'mode: 0440\n\nversion: 1.10\n\nflag: "yes"\n\nport: "8080:80"\n\nimage: app:${TAG:-1.0}\n\nsecret: "${PASSWORD}"\n\nreplicas: ${N}\n\nname: shop\n');
  assert.doesNotMatch(out, /hunter2/);
});

test('text spanning lines is written as a block literal, keeping its final newline and leading spaces', () => {
  const value = { content: '  indented\nsecond\n', plain: 'one\ntwo', many: 'a\n\n' };
  const out = emitYaml(build(value));
  assert.equal(out, 'content: |2\n    indented\n  second\n\nplain: |-\n  one\n  two\n\nmany: "a\\n\\n"\n');
  assert.deepEqual(toPlain(parse(out)), value);
});

test('a header becomes comments', () => {
  assert.equal(emitYaml(build({ project: 'x' }), ['made by a test', '']), '# made by a test\n#\nproject: x\n');
});
