// Registry credentials from a Docker credential helper: a real helper program (a shell script,
// `docker-credential-moortest`, first on PATH) named by the Docker config, asked by `moor apply`
// for the local registry's credentials; the private image is pulled with them, and no secret is
// printed, even with --debug, even when the helper fails and prints it.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { encodeRegistryAuth } from '../../src/engine/auth.js';
import { runMoor, spawnMoor, type CliResult } from '../support/cli.js';
import { TEST_IMAGE, waitFor } from '../support/engine.js';
import { useLocalRegistry, type LocalRegistry } from '../support/registry.js';
import { useProject } from '../support/project.js';

const run = useProject('cred');
const localRegistry = useLocalRegistry();

const HELPER = 'moortest';

interface Setup {
  readonly dir: string;
  readonly env: Record<string, string>;
  /** What the helper was asked: one `<argument> <server URL>` line per run. */
  readonly asked: () => string[];
}

/**
 * A folder with the manifest, a Docker config, and a credential helper whose `get` runs `body`
 * (shell) after reading the server URL into $url.
 */
function setup(manifest: string, dockerConfig: unknown, body: string): Setup {
  const dir = mkdtempSync(join(tmpdir(), 'moor-cred-'));
  writeFileSync(join(dir, 'moor.yaml'), manifest);
  const cfg = join(dir, 'docker');
  mkdirSync(cfg);
  writeFileSync(join(cfg, 'config.json'), JSON.stringify(dockerConfig));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const log = join(dir, 'asked.log');
  writeFileSync(log, '');
  const helper = join(bin, `docker-credential-${HELPER}`);
  writeFileSync(helper, `#!/bin/sh\nread -r url || true\necho "$1 $url" >> '${log}'\n[ "$1" = get ] || exit 3\n${body}\n`);
  chmodSync(helper, 0o755);
  return {
    dir,
    env: { DOCKER_CONFIG: cfg, MOOR_LOCK_DIR: join(dir, '.locks'), PATH: `${bin}:${process.env.PATH ?? ''}` },
    asked: () => readFileSync(log, 'utf8').split('\n').filter((line) => line !== ''),
  };
}

/** The helper's answer for the test registry's user, or nothing for any other server. */
function answering(reg: LocalRegistry): string {
  return `[ "$url" = '${reg.address}' ] || { echo 'credentials not found in native keychain'; exit 1; }\nprintf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "$url" '${reg.username}' '${reg.password}'`;
}

/** Pushes the test image as a new private image, absent from the Engine. */
async function privateImage(reg: LocalRegistry, name: string): Promise<string> {
  const image = await reg.push(TEST_IMAGE, `${name}/app:1`);
  await run.engine.images.remove(image).catch(() => undefined);
  return image;
}

const containerManifest = (name: string, image: string): string => `project: ${name}\ncontainers:\n  app:\n    image: ${image}\n    command: [sleep, "3600"]\n    init: true\n`;

/** No form of the password (plain, base64 user:password, the X-Registry-Auth header) in any output. */
function assertNoSecret(reg: LocalRegistry, ...results: CliResult[]): void {
  const forms = [
    reg.password,
    Buffer.from(reg.password).toString('base64'),
    Buffer.from(`${reg.username}:${reg.password}`).toString('base64'),
    encodeRegistryAuth({ username: reg.username, password: reg.password, serveraddress: reg.address }),
  ];
  for (const result of results) {
    for (const out of [result.stdout, result.stderr]) {
      for (const form of forms) assert.ok(!out.includes(form), `a credential was printed:\n${out}`);
    }
  }
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('credential helpers', () => {
  test('credsStore: the helper is asked for the registry once, the private image is pulled with its answer, and no secret is printed (bin/moor, --debug)', async () => {
    const registry = localRegistry();
    const name = run.newProject();
    const image = await privateImage(registry, name);
    const { dir, env, asked } = setup(containerManifest(name, image), { credsStore: HELPER, auths: { [registry.address]: {} } }, answering(registry));
    const plan = await spawnMoor(['plan', '--debug'], { cwd: dir, env });
    assert.match(plan.stdout, /\+ container app/);
    assert.deepEqual(asked(), [], 'planning asks no helper');
    const applied = await spawnMoor(['apply', '--yes', '--debug'], { cwd: dir, env });
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.match(applied.stdout, new RegExp(`pull +${escape(image)}: Status: Downloaded newer image`));
    assert.doesNotMatch(applied.stderr, /warning/);
    assert.match(applied.stderr, new RegExp(`^moor: debug: registry ${escape(registry.address)}: docker-credential-${HELPER} get: credentials found \\(\\d+ ms\\)$`, 'm'));
    assert.deepEqual(asked(), [`get ${registry.address}`]);
    assertNoSecret(registry, plan, applied);
    assert.equal((await run.engine.containers.inspect(`${name}_app`)).State.Running, true);
    const again = await spawnMoor(['apply', '--yes'], { cwd: dir, env });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.deepEqual(asked(), [`get ${registry.address}`], 'nothing to pull or write to a service: the helper is not asked');
  });

  test("a Swarm service is given the helper's credentials: its next task pulls the private image itself", async () => {
    const registry = localRegistry();
    const name = run.newProject();
    const image = await privateImage(registry, name);
    const manifest = `project: ${name}\nservices:\n  app:\n    image: ${image}\n    command: [sleep, "3600"]\n`;
    const { dir, env, asked } = setup(manifest, { credsStore: HELPER }, answering(registry));
    const applied = await runMoor(['apply', '--yes', '--wait'], { cwd: dir, env });
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.deepEqual(asked(), [`get ${registry.address}`], 'once for the pull and the service create together');
    assertNoSecret(registry, applied);
    // moor's pull step put the image on the Engine. Take it away with the task's container: Swarm
    // starts a new task, and its pull has only the credentials the service was created with.
    const service = `${name}_app`;
    const running = async (): Promise<string | undefined> => {
      const tasks = await run.engine.tasks.list({ filters: { service: [service], 'desired-state': ['running'] } });
      return tasks.find((t) => t.Status.State === 'running')?.Status.ContainerStatus?.ContainerID;
    };
    const first = await waitFor('the first task running', running, 60_000);
    await run.engine.containers.remove(first, { force: true });
    await run.engine.images.remove(image, { force: true });
    const second = await waitFor('a new task running, its image pulled by Swarm', async () => {
      const id = await running();
      return id !== undefined && id !== first ? id : undefined;
    }, 90_000, 500);
    assert.equal((await run.engine.containers.inspect(second)).Config.Image, image);
  });

  test('credHelpers: the registry\'s own helper wins over its auths entry', async () => {
    const registry = localRegistry();
    const name = run.newProject();
    const image = await privateImage(registry, name);
    const wrong = Buffer.from(`${registry.username}:not-the-password`).toString('base64');
    const { dir, env, asked } = setup(containerManifest(name, image), { credHelpers: { [registry.address]: HELPER }, auths: { [registry.address]: { auth: wrong } } }, answering(registry));
    const applied = await runMoor(['apply', '--yes', '--debug'], { cwd: dir, env });
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.match(applied.stdout, /ok +pull image/);
    assert.deepEqual(asked(), [`get ${registry.address}`]);
    assertNoSecret(registry, applied);
    assert.equal((await run.engine.containers.inspect(`${name}_app`)).State.Running, true);
  });

  test('a failing helper is a warning naming it and the registry, never its output; the pull goes without credentials and fails', async () => {
    const registry = localRegistry();
    const name = run.newProject();
    const image = await privateImage(registry, name);
    // A careless helper that prints the secret as it fails.
    const { dir, env, asked } = setup(containerManifest(name, image), { credsStore: HELPER }, `echo 'oops ${registry.password}'\necho '${registry.password}' >&2\nexit 2`);
    const applied = await runMoor(['apply', '--yes', '--debug'], { cwd: dir, env });
    assert.equal(applied.code, 1, applied.stdout + applied.stderr);
    assert.match(applied.stderr, new RegExp(`moor: warning: credential helper docker-credential-${HELPER} failed \\(exit status 2\\) for registry ${escape(registry.address)}: using no credentials`));
    assert.match(applied.stdout, /FAILED +pull image/);
    assert.deepEqual(asked(), [`get ${registry.address}`]);
    assertNoSecret(registry, applied);
  });

  test('a helper that has no credentials for the registry means anonymous, silently', async () => {
    const registry = localRegistry();
    const name = run.newProject();
    const image = await privateImage(registry, name);
    const { dir, env, asked } = setup(containerManifest(name, image), { credsStore: HELPER }, `echo 'credentials not found in native keychain'\nexit 1`);
    const applied = await runMoor(['apply', '--yes'], { cwd: dir, env });
    assert.equal(applied.code, 1, applied.stdout + applied.stderr);
    assert.doesNotMatch(applied.stderr, /warning/);
    assert.match(applied.stdout, /FAILED +pull image/);
    assert.deepEqual(asked(), [`get ${registry.address}`]);
  });

  test('a helper that is not on PATH is a warning naming it', async () => {
    const registry = localRegistry();
    const name = run.newProject();
    const image = await privateImage(registry, name);
    const { dir, env } = setup(containerManifest(name, image), { credHelpers: { [registry.address]: 'moor-no-such-helper' } }, 'exit 0');
    const applied = await runMoor(['apply', '--yes'], { cwd: dir, env });
    assert.equal(applied.code, 1, applied.stdout + applied.stderr);
    assert.match(applied.stderr, new RegExp(`moor: warning: credential helper docker-credential-moor-no-such-helper was not found on PATH for registry ${escape(registry.address)}`));
  });
});
