// The Compose options of the CLI, without an Engine: default files, --as, -p, --profile, moor convert.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { manifestLoader } from '../../src/cli/manifest-options.js';
import { runCli, withProject } from '../manifest/helpers.js';

const COMPOSE = 'services:\n  web:\n    image: nginx:1.27\n    ports: ["8080:80"]\n';

test('without -f, compose.yaml is read (with compose.override.yaml merged over it) when there is no moor.yaml', async () => {
  await withProject({ 'shop/compose.yaml': COMPOSE, 'shop/compose.override.yaml': 'services:\n  cache:\n    image: redis:7\n' }, async (dir) => {
    const run = await runCli(['validate'], { cwd: `${dir}/shop` });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'valid: project shop (2 containers, 1 network)\n');
    assert.equal(run.stderr, 'moor: Read compose.yaml, compose.override.yaml as Compose (--as containers: each Compose service becomes plain containers, as with docker compose up); project shop (from the folder name).\n');
  });
});

test('without -f, the files COMPOSE_FILE names are read (environment, else .env or --env-file), before compose.yaml, after moor.yaml', async () => {
  const files = { 'compose.yaml': COMPOSE, 'base.yml': COMPOSE, 'extra.yml': 'services:\n  cache:\n    image: redis:7\n' };
  const read = (run: { stderr: string }): string | undefined => /^moor: Read (.*) as Compose/m.exec(run.stderr)?.[1];
  await withProject({ ...files, 'vars.env': 'COMPOSE_FILE=base.yml;extra.yml\nCOMPOSE_PATH_SEPARATOR=;\n' }, async (dir) => {
    const fromEnv = await runCli(['validate', '-p', 'shop'], { cwd: dir, env: { COMPOSE_FILE: 'base.yml:extra.yml' } });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.equal(read(fromEnv), 'base.yml, extra.yml');
    assert.equal(fromEnv.stdout, 'valid: project shop (2 containers, 1 network)\n');
    assert.equal(read(await runCli(['validate', '-p', 'shop'], { cwd: dir })), 'compose.yaml');
    assert.equal(read(await runCli(['validate', '-p', 'shop', '--env-file', 'vars.env'], { cwd: dir })), 'base.yml, extra.yml');
    // The environment wins over the env files; -f over both.
    assert.equal(read(await runCli(['validate', '-p', 'shop', '--env-file', 'vars.env'], { cwd: dir, env: { COMPOSE_FILE: 'extra.yml' } })), 'extra.yml');
    assert.equal(read(await runCli(['validate', '-p', 'shop', '-f', 'compose.yaml'], { cwd: dir, env: { COMPOSE_FILE: 'base.yml' } })), 'compose.yaml');
    // A file it names that is not there is an error naming it.
    const missing = await runCli(['validate', '-p', 'shop'], { cwd: dir, env: { COMPOSE_FILE: 'base.yml:nowhere.yml' } });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nowhere\.yml/);
  });
  await withProject({ ...files, '.env': 'COMPOSE_FILE=extra.yml\n', 'moor.yaml': 'project: mine\ncontainers:\n  a:\n    image: x/a:1\n' }, async (dir) => {
    assert.equal((await runCli(['validate'], { cwd: dir })).stdout, 'valid: project mine (1 container, 1 network)\n');
    assert.equal(read(await runCli(['validate', '--compose', '-p', 'shop'], { cwd: dir })), 'extra.yml');
  });
});

test('moor.yaml wins over compose.yaml; --compose picks compose.yaml', async () => {
  await withProject({ 'moor.yaml': 'project: mine\ncontainers:\n  a:\n    image: x/a:1\n', 'compose.yaml': COMPOSE }, async (dir) => {
    assert.equal((await runCli(['validate'], { cwd: dir })).stdout, 'valid: project mine (1 container, 1 network)\n');
    const compose = await runCli(['validate', '--compose', '-p', 'theirs'], { cwd: dir });
    assert.equal(compose.stdout, 'valid: project theirs (1 container, 1 network)\n');
  });
});

test('--as services reads Compose services as Swarm services; validate --json says how the files were read', async () => {
  await withProject({ 'compose.yaml': `name: shop\n${COMPOSE}` }, async (dir) => {
    const run = await runCli(['validate', '--as', 'services', '--json'], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { valid: boolean; source: unknown };
    assert.deepEqual(out.source, { format: 'compose', files: ['compose.yaml'], as: 'services', project_from: 'name:', profiles: [] });
  });
});

test('bad Compose options are usage errors: --as, -p, two different project names, --as on a moor manifest', async () => {
  await withProject({ 'compose.yaml': COMPOSE, 'moor.yaml': 'project: p\n' }, async (dir) => {
    const cases: [string[], RegExp][] = [
      [['validate', '-f', 'compose.yaml', '--as', 'pods'], /--as must be containers or services, not 'pods'/],
      [['validate', '-f', 'compose.yaml', '-p', 'My App'], /the project name must match .* not 'My App'/],
      [['validate', '-f', 'compose.yaml', '-p', 'a', '--project', 'b'], /-p\/--project-name and --project name different projects \('a' and 'b'\)/],
      [['validate', '--as', 'services'], /--as applies to Compose files, and this is a moor manifest \(moor\.yaml has project:\); add --compose to read it as Compose/],
      [['validate', '--profile', 'debug'], /--profile applies to Compose files/],
      [['convert', '-f', 'moor.yaml'], /moor\.yaml is already a moor manifest \(moor\.yaml has project:\): there is nothing to convert/],
      [['convert', '-o', 'compose.yaml'], /-o compose\.yaml names a file that is converted: write the manifest to another file/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args, { cwd: dir });
      assert.equal(run.code, 1, args.join(' '));
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
    }
  });
});

test('moor convert prints a manifest that validates as moor, and nothing when the Compose file is refused', async () => {
  await withProject({ 'app/compose.yaml': COMPOSE }, async (dir) => {
    const run = await runCli(['convert', '--as', 'services'], { cwd: `${dir}/app` });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stdout,
      `# moor manifest converted from compose.yaml by: moor convert --as services
# Relative paths start at this file's folder; \${VARIABLES} come from the environment, then .env.
project: app

services:
  web:
    image: nginx:1.27
    ports:
      - "8080:80"
`,
    );
  });
  await withProject({ 'app/compose.yaml': 'services:\n  web:\n    build: .\n' }, async (dir) => {
    const run = await runCli(['convert'], { cwd: `${dir}/app` });
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /compose\.yaml:3:5: services\.web\.build: moor does not build images/);
    assert.match(run.stderr, /moor: cannot convert: 1 error\n$/);
  });
});

test('moor convert without -f reads the Compose files and passes over moor.yaml (the empty file `moor convert > moor.yaml` creates first); -o writes the manifest only when they convert', async () => {
  await withProject({ 'app/docker-compose.yml': COMPOSE, 'app/moor.yaml': '' }, async (dir) => {
    const run = await runCli(['convert'], { cwd: `${dir}/app` });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^# moor manifest converted from docker-compose\.yml by: moor convert --as containers\n/);
    const written = await runCli(['convert', '-o', 'moor.yaml'], { cwd: `${dir}/app` });
    assert.equal(written.code, 0, written.stderr);
    assert.equal(written.stdout, '');
    assert.match(written.stderr, /^moor: wrote moor\.yaml$/m);
    assert.equal(await readFile(`${dir}/app/moor.yaml`, 'utf8'), run.stdout);
    // From now on, moor.yaml is the manifest the other commands read.
    assert.equal((await runCli(['validate'], { cwd: `${dir}/app` })).stdout, 'valid: project app (1 container, 1 network)\n');
  });
  await withProject({ 'app/compose.yaml': 'services:\n  web:\n    build: .\n' }, async (dir) => {
    const run = await runCli(['convert', '-o', 'moor.yaml'], { cwd: `${dir}/app` });
    assert.equal(run.code, 1);
    assert.ok(!existsSync(`${dir}/app/moor.yaml`), 'nothing is written when the files do not convert');
  });
  await withProject({ 'app/moor.yaml': 'project: p\n' }, async (dir) => {
    const run = await runCli(['convert'], { cwd: `${dir}/app` });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no manifest in .* \(looked for compose\.yaml, compose\.yml, docker-compose\.yml, docker-compose\.yaml\): name one with -f FILE/);
  });
});

test('moor convert -o into another folder rewrites the relative paths for that folder: the manifest written there names the same files', async () => {
  const compose = 'services:\n  web:\n    image: x/web:1\n    env_file: ./web.env\n    volumes: ["./site:/www:ro", {type: bind, source: ./conf, target: /conf}, "data:/data"]\n    secrets: [pw]\nvolumes:\n  data: {}\nsecrets:\n  pw: {file: ./pw.txt}\n';
  await withProject({ 'app/compose.yaml': compose, 'app/web.env': 'A=1\n', 'app/pw.txt': 'secret\n', 'app/site/index.html': 'hi\n', 'app/conf/x.conf': 'x\n' }, async (dir) => {
    await runCli(['convert', '-o', 'moor.yaml'], { cwd: `${dir}/app` });
    await mkdir(`${dir}/app/out`);
    for (const [as, secret] of [['containers', 'source: ../pw.txt'], ['services', 'file: ../pw.txt']] as const) {
      const written = await runCli(['convert', '--as', as, '-o', `out/${as}.yaml`], { cwd: `${dir}/app` });
      assert.equal(written.code, 0, written.stderr);
      const text = await readFile(`${dir}/app/out/${as}.yaml`, 'utf8');
      for (const p of ['../web.env', '../site:/www:ro', 'source: ../conf', secret]) assert.ok(text.includes(p), `${p} in:\n${text}`);
      assert.ok(text.includes('data:/data'), 'a named volume is no path');
      assert.match(written.stderr, new RegExp(`moor: warning: out/${as}\\.yaml names files outside its folder \\(.*\\.\\./web\\.env.*\\): moor reads them only with --allow-external-files`));
      const valid = await runCli(['validate', '--allow-external-files', '-f', `out/${as}.yaml`], { cwd: `${dir}/app` });
      assert.equal(valid.code, 0, valid.stderr);
    }
    // In the project folder, the paths stay as written.
    assert.ok((await readFile(`${dir}/app/moor.yaml`, 'utf8')).includes('./web.env'));
  });
});

test("a value an included file takes from its own .env: moor convert writes it as a value and warns, never printing it; plans hide it", async () => {
  const files = {
    'app/compose.yaml': 'include: [sub/compose.yaml]\nservices:\n  web:\n    image: x/web:1\n',
    'app/sub/compose.yaml': 'services:\n  db:\n    image: x/db:1\n    environment:\n      PW: ${DB_PW}\n      MODE: ${MODE}\n',
    'app/sub/.env': 'DB_PW=hunter2-from-sub\n',
  };
  await withProject(files, async (dir) => {
    const run = await runCli(['convert'], { cwd: `${dir}/app`, env: { MODE: 'prod' } });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /      PW: hunter2-from-sub\n      MODE: \$\{MODE\}\n/, 'a variable the project has keeps its spelling');
    assert.match(run.stderr, /^sub\/compose\.yaml:5:11: warning: "\$\{DB_PW\}" is written as its value, which comes from an included file's \.env \(the manifest cannot name that file's variables\): check that it is no secret before you commit the manifest$/m);
    assert.ok(!run.stderr.includes('hunter2'), run.stderr);
    const { loadFromOptions } = await import('../../src/cli/manifest-options.js');
    const loaded = await loadFromOptions({}, { cwd: `${dir}/app`, env: { MODE: 'prod' } });
    assert.ok(loaded.ok);
    assert.deepEqual(loaded.desired.containers.db?.sensitiveEnvironment, ['MODE', 'PW']);
  });
});

/** `moor convert` of the app/ folder of `files`; its manifest must read back there (`moor validate`). */
async function convertReadBack(files: Readonly<Record<string, string>>, env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  return withProject(files, async (dir) => {
    const run = await runCli(['convert'], { cwd: `${dir}/app`, env });
    assert.equal(run.code, 0, run.stderr);
    await writeFile(`${dir}/app/moor.yaml`, run.stdout);
    const back = await runCli(['validate', '-f', 'moor.yaml'], { cwd: `${dir}/app`, env });
    assert.equal(back.code, 0, back.stderr);
    return run;
  });
}

test('a value that a file extended from an included file takes from the included file\'s .env: moor convert writes it as a value and warns, and the manifest reads back', async () => {
  const run = await convertReadBack(
    {
      'app/compose.yaml': 'include: [sub/compose.yaml]\n',
      'app/sub/compose.yaml': 'services:\n  web:\n    extends: { file: base.yaml, service: base }\n',
      'app/sub/base.yaml': 'services:\n  base:\n    image: x/base:${TAG}\n    environment: { MODE: "${MODE}" }\n',
      'app/sub/.env': 'TAG=2\n',
    },
    { MODE: 'prod' },
  );
  assert.match(run.stdout, /    image: x\/base:2\n    environment:\n      MODE: "\$\{MODE\}"\n/);
  assert.match(run.stderr, /^sub\/base\.yaml:3:12: warning: "x\/base:\$\{TAG\}" is written as its value, which comes from an included file's \.env/m);
});

test('a value that a file included by an included file takes from the intermediate file\'s .env: moor convert writes it as a value and warns, and the manifest reads back', async () => {
  const run = await convertReadBack({
    'app/compose.yaml': 'include: [a/compose.yaml]\n',
    'app/a/compose.yaml': 'include: [b/compose.yaml]\n',
    'app/a/.env': 'TAG=2\n',
    'app/a/b/compose.yaml': 'services:\n  s:\n    image: x/s:${TAG}\n',
  });
  assert.match(run.stdout, /    image: x\/s:2\n/);
  assert.match(run.stderr, /^a\/b\/compose\.yaml:3:12: warning: "x\/s:\$\{TAG\}" is written as its value/m);
});

test('moor convert warns once about a value from an included .env that several services take from one base', async () => {
  const run = await convertReadBack({
    'app/compose.yaml': 'include: [sub/compose.yaml]\n',
    'app/sub/compose.yaml': 'services:\n  a:\n    extends: { file: base.yaml, service: base }\n  b:\n    extends: { file: base.yaml, service: base }\n',
    'app/sub/base.yaml': 'services:\n  base:\n    image: x/base:${TAG}\n',
    'app/sub/.env': 'TAG=2\n',
  });
  assert.equal(run.stdout.match(/image: x\/base:2\n/g)?.length, 2, run.stdout);
  assert.equal(run.stderr.match(/^sub\/base\.yaml:3:12: warning: "x\/base:\$\{TAG\}" is written as its value/gm)?.length, 1, run.stderr);
});

test('moor --help lists convert', async () => {
  const run = await runCli(['--help'], { cwd: '/' });
  assert.match(run.stdout, /^ {2}convert +Print the moor manifest equivalent to Compose files$/m);
});

test('moor watch reloads with the reading the options ask for', async () => {
  await withProject({ 'app/compose.yaml': COMPOSE }, async (dir) => {
    const result = await manifestLoader({ as: 'services', 'project-name': 'watched' })({ files: ['compose.yaml'], cwd: `${dir}/app`, env: {} });
    assert.ok(result.ok);
    assert.equal(result.desired.project, 'watched');
    assert.deepEqual(Object.keys(result.desired.services), ['web']);
  });
});
