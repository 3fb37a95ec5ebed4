// loadProjectName (compose/front.ts): only the project name of the manifests, for `moor destroy`.
// The rule: the files must be read and parsed and the name told, with the variables it names;
// nothing else in them is read or checked.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadProjectName, type ProjectNameLoadResult } from '../../src/compose/front.js';
import { formatIssue } from '../../src/manifest/issues.js';
import { withProject } from './helpers.js';

function nameOf(files: Record<string, string>, options: { env?: Record<string, string>; projectName?: string; manifests?: string[] } = {}): Promise<ProjectNameLoadResult> {
  return withProject(files, (dir) =>
    loadProjectName({ files: options.manifests ?? [Object.keys(files)[0] as string], cwd: dir, env: options.env ?? {}, ...(options.projectName === undefined ? {} : { projectName: options.projectName }) }),
  );
}

const issuesOf = (r: ProjectNameLoadResult): string[] => (r.ok ? [] : r.issues.map(formatIssue));

const UNRESOLVABLE = `project: shop-\${STAGE}
secrets:
  tok: { environment: TOK }
  key: { file: ./gone.key }
configs:
  site: { file: ./gone.conf }
containers:
  web:
    image: moor/busybox:latest
    env_file: ./gone.env
    environment: { URL: "\${UNSET}" }
    imagee: typo
`;

describe('the project name alone', () => {
  test("is read without the secrets' variables and files, env_file:, other variables or a valid rest", async () => {
    const r = await nameOf({ 'moor.yaml': UNRESOLVABLE }, { env: { STAGE: 'prod' } });
    assert.deepEqual(issuesOf(r), []);
    assert.equal(r.ok && r.project, 'shop-prod');
  });

  test('follows the merge (the last file naming it wins) and -p', async () => {
    const files = { 'a.yaml': 'project: one\n', 'b.yaml': 'containers: {}\n', 'c.yaml': 'project: three\n' };
    const merged = await nameOf(files, { manifests: ['a.yaml', 'b.yaml', 'c.yaml'] });
    assert.equal(merged.ok && merged.project, 'three');
    const named = await nameOf(files, { manifests: ['a.yaml', 'c.yaml'], projectName: 'given' });
    assert.equal(named.ok && named.project, 'given');
  });

  test('is refused when it cannot be told: an unset variable in it, none, an invalid one, a file not read or not parsed', async () => {
    assert.deepEqual(issuesOf(await nameOf({ 'moor.yaml': UNRESOLVABLE })), ['moor.yaml:1:10: project: the variable STAGE is not set (give a default with ${STAGE:-default}, or ${STAGE-} for empty)']);
    assert.deepEqual(issuesOf(await nameOf({ 'moor.yaml': 'containers: {}\n' })), ['moor.yaml:1:1: missing required field "project"']);
    assert.deepEqual(issuesOf(await nameOf({ 'moor.yaml': 'project: Shop\n' })), ['moor.yaml:1:10: project: must be lower case letters, digits, "_" and "-", starting with a letter or digit (got "Shop")']);
    assert.deepEqual(issuesOf(await nameOf({ 'moor.yaml': '- project\n' })), ['moor.yaml:1:1: the manifest must be a mapping, not a list']);
    assert.match(issuesOf(await nameOf({ 'moor.yaml': 'project: [shop\n' }))[0] ?? '', /^moor\.yaml:\d+:\d+: YAML: /);
    assert.deepEqual(issuesOf(await nameOf({ 'moor.yaml': 'project: shop\n' }, { manifests: ['moor.yaml', 'gone.yaml'] })), ['gone.yaml: cannot read the manifest: no such file']);
  });

  test("of Compose files is Compose's (name:, COMPOSE_PROJECT_NAME, the folder), the rest unread", async () => {
    const compose = 'name: "shop-${STAGE}"\nservices:\n  web:\n    image: moor/busybox:latest\n    env_file: ./gone.env\n    environment: { URL: "${UNSET}" }\nsecrets:\n  tok: { environment: TOK }\n';
    const r = await nameOf({ 'compose.yaml': compose }, { env: { STAGE: 'dev' } });
    assert.deepEqual(issuesOf(r), []);
    assert.equal(r.ok && r.project, 'shop-dev');
    assert.deepEqual(r.compose, { reading: 'containers', project: 'shop-dev', projectFrom: 'name:', profiles: [] });
    assert.equal(issuesOf(await nameOf({ 'compose.yaml': compose })).length, 1);
  });
});
