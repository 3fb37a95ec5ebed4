// Compose's merge rules (src/compose/merge.ts) on parsed trees: what two files, or a service and
// the one it extends, give together.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { finishMerge, mergeCompose } from '../../src/compose/merge.js';
import { Issues } from '../../src/manifest/issues.js';
import { parseYaml } from '../../src/manifest/parse-yaml.js';
import { type Node, toPlain } from '../../src/manifest/tree.js';

function parse(text: string, file: string): Node {
  const parsed = parseYaml(text, file, { allowedTags: new Set(['!reset', '!override']) });
  assert.deepEqual(parsed.issues, [], text);
  return parsed.root as Node;
}

function merged(base: string, over: string): unknown {
  const issues = new Issues();
  const result = finishMerge(mergeCompose(parse(base, 'a.yaml'), parse(over, 'b.yaml'), issues));
  assert.equal(issues.count, 0);
  return toPlain(result);
}

const STRING_OR_LIST = ['env_file', 'dns', 'dns_search', 'tmpfs', 'label_file'];

test('every field that takes a string or a list is appended when both files write a string', () => {
  for (const field of STRING_OR_LIST) {
    assert.deepEqual(merged(`services:\n  web:\n    ${field}: one\n`, `services:\n  web:\n    ${field}: two\n`), { services: { web: { [field]: ['one', 'two'] } } }, field);
  }
});

test('a field that takes a string or a list is appended whatever form each file writes', () => {
  for (const field of STRING_OR_LIST) {
    assert.deepEqual(merged(`services:\n  web:\n    ${field}: one\n`, `services:\n  web:\n    ${field}: [two]\n`), { services: { web: { [field]: ['one', 'two'] } } }, field);
    assert.deepEqual(merged(`services:\n  web:\n    ${field}: [one]\n`, `services:\n  web:\n    ${field}: two\n`), { services: { web: { [field]: ['one', 'two'] } } }, field);
  }
});

test('a string in one file only stays as it is written, and !override still replaces it', () => {
  assert.deepEqual(merged('services:\n  web:\n    env_file: a.env\n', 'services:\n  web:\n    image: x\n'), { services: { web: { env_file: 'a.env', image: 'x' } } });
  assert.deepEqual(merged('services:\n  web:\n    env_file: a.env\n', 'services:\n  web:\n    env_file: !override b.env\n'), { services: { web: { env_file: 'b.env' } } });
});

test('other scalars are still replaced by the later file', () => {
  assert.deepEqual(merged('services:\n  web:\n    image: a\n    hostname: h1\n', 'services:\n  web:\n    image: b\n    hostname: h2\n'), { services: { web: { image: 'b', hostname: 'h2' } } });
});
