import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEnvFile } from '../../src/manifest/env-file.js';
import { interpolateString, resolvePlainScalar } from '../../src/manifest/interpolate.js';
import { desiredOf, issuesOf } from './helpers.js';

const vars: Record<string, string> = { SET: 'value', EMPTY: '', PORT: '8080', NESTED: 'inner' };
const lookup = (name: string): string | undefined => vars[name];
const expand = (text: string): string => {
  const r = interpolateString(text, lookup);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};
const failure = (text: string): string => {
  const r = interpolateString(text, lookup);
  assert.equal(r.ok, false, `expected ${text} to fail`);
  return r.ok ? '' : r.error;
};

test('$VAR and ${VAR} take the value', () => {
  assert.equal(expand('$SET'), 'value');
  assert.equal(expand('${SET}'), 'value');
  assert.equal(expand('a-${SET}-$PORT/x'), 'a-value-8080/x');
  assert.equal(expand('${EMPTY}'), '');
  assert.equal(expand('no variables'), 'no variables');
});

test('${VAR:-default} covers unset and empty, ${VAR-default} only unset', () => {
  assert.equal(expand('${UNSET:-fallback}'), 'fallback');
  assert.equal(expand('${EMPTY:-fallback}'), 'fallback');
  assert.equal(expand('${SET:-fallback}'), 'value');
  assert.equal(expand('${UNSET-fallback}'), 'fallback');
  assert.equal(expand('${EMPTY-fallback}'), '');
  assert.equal(expand('${UNSET:-}'), '');
  assert.equal(expand('${UNSET-}'), '');
});

test('defaults may hold variables and escapes', () => {
  assert.equal(expand('${UNSET:-${NESTED}}'), 'inner');
  assert.equal(expand('${UNSET:-${ALSO_UNSET:-deep}}'), 'deep');
  assert.equal(expand('${UNSET:-$$literal}'), '$literal');
  assert.equal(expand('${SET:-${NOT_EVALUATED}}'), 'value');
});

test('${VAR:+replacement} and ${VAR+replacement}', () => {
  assert.equal(expand('${SET:+on}'), 'on');
  assert.equal(expand('${EMPTY:+on}'), '');
  assert.equal(expand('${EMPTY+on}'), 'on');
  assert.equal(expand('${UNSET+on}'), '');
});

test('${VAR:?message} and ${VAR?message} fail with the message', () => {
  assert.equal(expand('${SET:?needed}'), 'value');
  assert.equal(failure('${UNSET:?set it in .env}'), 'the variable UNSET is required (and may not be empty): set it in .env');
  assert.equal(failure('${EMPTY:?needed}'), 'the variable EMPTY is required (and may not be empty): needed');
  assert.equal(expand('${EMPTY?needed}'), '');
  assert.equal(failure('${UNSET?}'), 'the variable UNSET is required');
});

test('$$ is a literal dollar and is never expanded', () => {
  assert.equal(expand('$$'), '$');
  assert.equal(expand('echo $$HOME'), 'echo $HOME');
  assert.equal(expand('$${SET}'), '${SET}');
  assert.equal(expand('cost: 5$$'), 'cost: 5$');
});

test('strict mode: an unset variable without a default is an error naming it', () => {
  assert.equal(failure('$UNSET'), 'the variable UNSET is not set (give a default with ${UNSET:-default}, or ${UNSET-} for empty)');
  assert.equal(failure('x${UNSET}y'), 'the variable UNSET is not set (give a default with ${UNSET:-default}, or ${UNSET-} for empty)');
});

test('malformed templates are errors', () => {
  assert.match(failure('5$'), /invalid "\$"/);
  assert.match(failure('$1'), /invalid "\$"/);
  assert.match(failure('${SET'), /unterminated "\$\{"/);
  assert.match(failure('${}'), /invalid variable name/);
  assert.match(failure('${SET:=x}'), /invalid interpolation "\$\{SET:=x\}"/);
});

test('values from variables are not expanded again', () => {
  const r = interpolateString('${A}', (n) => (n === 'A' ? '${B}' : undefined));
  assert.deepEqual(r, { ok: true, value: '${B}' });
});

test('plain scalars are typed again after interpolation (YAML 1.2 core)', () => {
  assert.equal(resolvePlainScalar('3'), 3);
  assert.equal(resolvePlainScalar('0.5'), 0.5);
  assert.equal(resolvePlainScalar('true'), true);
  assert.equal(resolvePlainScalar('NO'), 'NO');
  assert.equal(resolvePlainScalar('1.2.3'), '1.2.3');
  assert.equal(resolvePlainScalar('0o17'), 15);
});

test('in a manifest: plain values are retyped, quoted values stay strings, keys are never interpolated', async () => {
  const d = await desiredOf(
    'project: shop\nservices:\n  api:\n    image: "moor/busybox:${TAG}"\n    replicas: ${N}\n    environment:\n      ${KEY}: "${N}"\n',
    { env: { TAG: '1.36', N: '3', KEY: 'nope' } },
  );
  assert.equal(d.services.api?.spec.image, 'moor/busybox:1.36');
  assert.equal(d.services.api?.spec.replicas, 3);
  assert.deepEqual(d.services.api?.spec.environment, { '${KEY}': '3' });
});

test('the process environment wins over .env, as in Compose', async () => {
  const yaml = 'project: shop\ncontainers:\n  web:\n    image: "moor/busybox:${TAG}"\n    environment: {FROM_DOTENV: "${ONLY_IN_DOTENV}"}\n';
  const files = { '.env': 'TAG=from-dotenv\nONLY_IN_DOTENV=dotenv\n' };
  assert.equal((await desiredOf(yaml, { files })).containers.web?.spec.image, 'moor/busybox:from-dotenv');
  const withEnv = await desiredOf(yaml, { files, env: { TAG: 'from-env' } });
  assert.equal(withEnv.containers.web?.spec.image, 'moor/busybox:from-env');
  assert.deepEqual(withEnv.containers.web?.spec.environment, { FROM_DOTENV: 'dotenv' });
});

test('--env-file replaces .env; later env files win; the environment still wins over all', async () => {
  const yaml = 'project: shop\ncontainers:\n  web:\n    image: "${IMAGE}"\n    user: "${USERNAME:-none}"\n    hostname: "${HOST_NAME}"\n';
  const files = { '.env': 'IMAGE=from-dotenv\nUSERNAME=dotenv-user\n', 'ci.env': 'IMAGE=from-ci\nHOST_NAME=ci\n', 'local.env': 'IMAGE=from-local\n' };
  const d = await desiredOf(yaml, { files, envFiles: ['ci.env', 'local.env'] });
  assert.equal(d.containers.web?.spec.image, 'from-local');
  assert.equal(d.containers.web?.spec.user, 'none');
  assert.equal(d.containers.web?.spec.hostname, 'ci');
  const e = await desiredOf(yaml, { files, envFiles: ['ci.env', 'local.env'], env: { IMAGE: 'from-env' } });
  assert.equal(e.containers.web?.spec.image, 'from-env');
});

test('the project env file expands ${VAR} in unquoted and double-quoted values, from moor\'s environment then earlier lines, as Compose does; single-quoted values stay literal', async () => {
  const yaml = 'project: shop\ncontainers:\n  web:\n    image: moor/busybox:latest\n    environment: {URL: "${URL}", Q: "${Q}", L: "${L}", D: "${D}", E: "${E}", R: "${R}"}\n';
  const files = {
    '.env': 'HOSTV=db\nURL=postgres://${HOSTV}:5432/app\nQ="$HOSTV-${PORT:-5432}"\nL=\'${HOSTV}\'\nD="\\$HOSTV $$HOSTV"\nE=${NOT_SET_ANYWHERE:-fallback}\nR=${HOSTV:+set}\n',
  };
  const d = await desiredOf(yaml, { files });
  assert.deepEqual(d.containers.web?.spec.environment, { D: '$HOSTV $HOSTV', E: 'fallback', L: '${HOSTV}', Q: 'db-5432', R: 'set', URL: 'postgres://db:5432/app' });
  // moor's environment wins over the lines before, as in Compose (and over the line itself).
  const e = await desiredOf(yaml, { files, env: { HOSTV: 'prod-db' } });
  assert.equal(e.containers.web?.spec.environment.URL, 'postgres://prod-db:5432/app');
});

test('an --env-file line can use the lines of the env files before it', async () => {
  const yaml = 'project: shop\ncontainers:\n  web:\n    image: "moor/busybox:${TAG}"\n';
  const d = await desiredOf(yaml, { files: { 'a.env': 'BASE=1\n', 'b.env': 'TAG=${BASE}.2\n' }, envFiles: ['a.env', 'b.env'] });
  assert.equal(d.containers.web?.spec.image, 'moor/busybox:1.2');
});

test('a project env file line whose variable is not set is an error at the line, naming neither the value nor the variable', async () => {
  const yaml = 'project: shop\ncontainers:\n  web:\n    image: moor/busybox:latest\n';
  const issues = await issuesOf(yaml, { files: { '.env': 'A=1\nPASSWORD=hunter$secret2\n' } });
  assert.deepEqual(issues, ['.env:2:1: the value of PASSWORD cannot be expanded: a variable in it is not set (or is required), or a "$" starts no variable (write "$$" for a literal "$", or single-quote the value to take it as written)']);
  assert.doesNotMatch(issues.join('\n'), /hunter|secret2/);
});

test('a container env_file is read as written: ${VAR} in it is not expanded (a difference from Compose v2, documented)', async () => {
  const yaml = 'project: shop\ncontainers:\n  web:\n    image: moor/busybox:latest\n    env_file: app.env\n';
  const d = await desiredOf(yaml, { files: { 'app.env': 'HOSTV=db\nURL=postgres://${HOSTV}/app\n' } });
  assert.equal(d.containers.web?.spec.environment.URL, 'postgres://${HOSTV}/app');
});

test('a single-quoted env file value may hold an escaped quote, as in Docker\'s env file docs: V5=\'Let\\\'s go!\' is "Let\'s go!", with no other error', async () => {
  const parsed = parseEnvFile("V5='Let\\'s go!'\nV6='a\\tb'\nV7=\"{\\\"hello\\\": \\\"json\\\"}\"\n");
  assert.deepEqual(parsed.problems, []);
  assert.deepEqual(parsed.entries.map((e) => [e.key, e.value]), [['V5', "Let's go!"], ['V6', 'a\\tb'], ['V7', '{"hello": "json"}']]);
  const yaml = 'project: shop\ncontainers:\n  web:\n    image: moor/busybox:latest\n    environment: {V5: "${V5}"}\n';
  const d = await desiredOf(yaml, { files: { '.env': "V5='Let\\'s go!'\n" } });
  assert.equal(d.containers.web?.spec.environment.V5, "Let's go!");
});

test('x- extension fields are not interpolated (an unset variable there is no error); a value an x- anchor lends to a field is', async () => {
  const yaml = `project: p
x-ci:
  token: \${CI_TOKEN}
x-image: &image "moor/busybox:\${TAG}"
containers:
  web:
    image: *image
    x-owner: \${OWNER}
    labels: { x-team: "\${TEAM}" }
`;
  const d = await desiredOf(yaml, { env: { TAG: '1', TEAM: 'ops' } });
  assert.equal(d.containers.web?.spec.image, 'moor/busybox:1');
  assert.deepEqual(d.containers.web?.spec.labels['x-team'], 'ops');
  const issues = await issuesOf(yaml, { env: { TEAM: 'ops' } });
  assert.equal(issues.length, 1);
  assert.match(issues[0] as string, /^moor\.yaml:4:17: containers\.web\.image: the variable TAG is not set/);
});

test('an interpolation error is reported once, at the value, without follow-up errors', async () => {
  assert.deepEqual(await issuesOf('project: shop\ncontainers:\n  web:\n    image: x\n    ports: ["${PORT}:80"]\n'), [
    'moor.yaml:5:13: containers.web.ports[0]: the variable PORT is not set (give a default with ${PORT:-default}, or ${PORT-} for empty)',
  ]);
});

test('env files: comments, export, quotes, escapes, bare keys and errors by line', () => {
  const parsed = parseEnvFile('# c\n\nA=1\nexport B = two words # trailing\nC="x\\ty"\nD=\'$raw\'\nE\nF="multi\nline"\n9X=bad\n');
  assert.deepEqual(
    parsed.entries.map((e) => [e.key, e.value, e.line]),
    [
      ['A', '1', 3],
      ['B', 'two words', 4],
      ['C', 'x\ty', 5],
      ['D', '$raw', 6],
      ['E', null, 7],
      ['F', 'multi\nline', 8],
    ],
  );
  assert.deepEqual(parsed.problems, [{ line: 10, column: 1, message: 'expected KEY=VALUE, where KEY is letters, digits and "_" (not starting with a digit)' }]);
});

test('an interpolated value is checked for its field, and quoted as written (a variable may hold a secret)', async () => {
  assert.deepEqual(await issuesOf('project: shop\ncontainers:\n  web:\n    image: "${IMAGE}"\n', { env: { IMAGE: 'busybox\nprivileged: true' } }), [
    'moor.yaml:4:12: containers.web.image: must be an image reference such as moor/busybox:latest (without spaces) (got "${IMAGE}")',
  ]);
  const yaml = 'project: "${PW}"\ncontainers:\n  web:\n    image: moor/busybox:latest\n    restart: "${PW}"\n    ports: ["x${PW}:80"]\n';
  assert.deepEqual(await issuesOf(yaml, { env: { PW: 'hunter2 secret' } }), [
    'moor.yaml:1:10: project: must be lower case letters, digits, "_" and "-", starting with a letter or digit (got "${PW}")',
    'moor.yaml:5:14: containers.web.restart: must be no, always, unless-stopped or on-failure[:N] (got "${PW}")',
    'moor.yaml:6:13: containers.web.ports[0]: invalid host port "x${PW}:80"',
  ]);
});
