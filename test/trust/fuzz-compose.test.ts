// The Compose reader by property, as fuzz-manifest.test.ts does for moor's own format: a fuzzer
// (fast-check) generates Compose projects and checks what `moor validate`, plan and convert rest on
// (loadProject, and `moor convert` in-process):
//   - valid projects (services with image, command, environment as a list and a map, env_file, ports
//     and volumes in the short and long syntaxes, bind mounts, networks, secrets and configs from
//     files, depends_on short and long, healthcheck, deploy.replicas and resources, labels as a list
//     and a map, profiles, `x-` fields with anchors, aliases and merge keys, `${VAR}` and
//     `${VAR:-default}` from the environment or .env), in varied YAML styles, as one compose.yaml
//     or spread over 2-3 files given with -f (each service cut into parts merged with Compose's
//     rules: decoys replaced by later files, mappings and lists merged key by key), with an
//     `include:`d file (in the project folder, or in sub/ with its own .env and relative paths
//     rebased: env_file, bind mounts, secret and config files; what it defines at the top level
//     sometimes defined again, identically, by the including file), and services that `extends:`
//     one in their file (or one the file's include: brings) or in base.yaml / sub/base.yaml (a
//     chain of two there), all in random combination
//     (fuzz-compose-project.ts says how), load without an error, and the values generated are in
//     the desired model;
//   - the same projects mutated (as text, in any of their files or .env files; as a tree: wrong
//     types, unknown keys; and a secret-bearing value moved into another field: a port, the image,
//     a network, a key...) never make the loader or moor convert throw or hang, every problem is
//     positioned in a file read, and the secret (CANARY: in environment values, in .env, in the
//     process environment, in secret files) never appears in a message.
// Runs: FUZZ_RUNS (default 150 per property); a failure prints the seed and path to replay it
// with: FUZZ_SEED=<seed> FUZZ_PATH=<path>.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { type ProjectLoadResult, loadProject } from '../../src/compose/front.js';
import type { Reading } from '../../src/compose/reading.js';
import { formatIssue } from '../../src/manifest/issues.js';
import type { ContainerPort, DesiredProject, Mount } from '../../src/model/desired.js';
import { runMoor } from '../support/cli.js';
import {
  type Choice,
  DATA_DIRS,
  DATA_FILES,
  type Layout,
  type Logical,
  type LogicalService,
  type ProjectFile,
  SECRET_VAR,
  SUB_DOTENV,
  documentOf,
  environmentOf,
  layoutArb,
  layoutProject,
  logicalArb,
  render,
} from './fuzz-compose-project.js';
import { CANARY, RUNS, type YamlStyle, assertWellBehaved, checkProperty, mutateText, mutateTree, pickNode, plain, textMutationArb, treeMutationArb, withCpuTime, yamlStyleArb } from './fuzz-support.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'moor-fuzz-compose-'));
  await mkdir(path.join(dir, 'sub'));
  for (const d of DATA_DIRS) await mkdir(path.join(dir, d), { recursive: true });
  for (const [file, content] of Object.entries(DATA_FILES)) await writeFile(path.join(dir, file), content);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Case {
  /** The Compose files given with -f, in order. */
  readonly composeFiles: readonly string[];
  /** Every file of the case (Compose files, included and extended ones, .env files): path relative to the project folder -> text. */
  readonly texts: ReadonlyMap<string, string>;
  readonly env: Record<string, string>;
  readonly reading: Reading;
  readonly profiles: readonly string[];
}

/** The files the last case wrote: those the next case does not have are removed. */
let written = new Set<string>();

async function load(c: Case): Promise<{ result: ProjectLoadResult; ms: number }> {
  for (const file of written) if (!c.texts.has(file)) await rm(path.join(dir, file), { force: true });
  for (const [file, text] of c.texts) await writeFile(path.join(dir, file), text);
  written = new Set(c.texts.keys());
  return withCpuTime(() => loadProject({ files: [...c.composeFiles], cwd: dir, env: c.env, reading: c.reading, profiles: c.profiles }));
}

/** Every file a problem of `c` may be reported in: its own, and the env files its services read. */
const filesOf = (c: Case): string[] => [...c.texts.keys(), ...Object.keys(DATA_FILES).filter((f) => f.endsWith('.env'))];

/**
 * `moor convert --debug` on the files `load` wrote last: it must not crash, and its messages
 * (stderr) must not hold the secret, except in the problems where a key holds it. Its stdout is
 * the converted manifest: a secret written in the file is data there, so it is not checked.
 */
async function assertConvertWellBehaved(c: Case, loaded: ProjectLoadResult): Promise<void> {
  const args = ['convert', '--debug', ...c.composeFiles.flatMap((f) => ['-f', f]), '--as', c.reading, ...c.profiles.flatMap((p) => ['--profile', p])];
  const run = await runMoor(args, { cwd: dir, env: c.env });
  assert.ok(!run.stderr.includes('internal error'), run.stderr);
  assert.equal(run.code, loaded.ok ? 0 : 1, run.stderr);
  const issues = loaded.ok ? loaded.warnings : loaded.issues;
  let stderr = run.stderr;
  for (const issue of issues.filter((i) => i.path.includes(CANARY))) stderr = stderr.replace(formatIssue(issue), '');
  assert.ok(!stderr.includes(CANARY), `the secret is in moor convert's messages:\n${run.stderr}`);
}

// ---------------------------------------------------------------------------------------------
// Cases: a logical project (fuzz-compose-project.ts), laid out in files, spelled.

function dotenvOf(l: Logical): string {
  const lines = ['# variables for interpolation'];
  if (l.secretFrom === '.env') lines.push(`${SECRET_VAR}=${CANARY}`);
  if (l.tagFromDotenv) lines.push('TAG=1.27');
  return `${lines.join('\n')}\n`;
}

/** Swarm publishes on every address: no host IP in the services reading. */
const forReading = (l: Logical, reading: Reading): Logical => (reading === 'containers' ? l : { ...l, services: l.services.map((s) => ({ ...s, ports: s.ports.map((p) => ({ ...p, hostIp: '' })) })) });

const caseArb = fc.record({ logical: logicalArb, layout: layoutArb, choices: fc.infiniteStream(fc.boolean()), style: yamlStyleArb, selectProfiles: fc.constantFrom<readonly string[]>([], ['debug'], ['debug', 'tools'], ['*']) });

function picker(choices: fc.Stream<boolean>): Choice {
  const iterator = choices[Symbol.iterator]();
  return () => iterator.next().value === true;
}

interface Generated {
  readonly logical: Logical;
  readonly layout: Layout;
  readonly choices: fc.Stream<boolean>;
  readonly style: YamlStyle;
  readonly reading: Reading;
  readonly profiles: readonly string[];
}

/**
 * The case of a generated project: its files laid out and spelled (each tree changed by `mutate`
 * first), and what the project means (the logical project with the base services extends: added).
 */
function caseOf(g: Generated, mutate: (files: readonly ProjectFile[]) => void = () => undefined): { c: Case; logical: Logical } {
  const pick = picker(g.choices);
  const project = layoutProject(g.logical, g.layout, pick);
  mutate(project.files);
  const texts = new Map(project.files.map((f) => [f.path, render(documentOf(f.tree, g.logical, pick), g.style)]));
  texts.set('.env', dotenvOf(g.logical));
  if (texts.has('sub/compose.yaml')) texts.set('sub/.env', SUB_DOTENV);
  const env = g.logical.secretFrom === 'environment' ? { [SECRET_VAR]: CANARY } : {};
  return { c: { composeFiles: project.composeFiles, texts, env, reading: g.reading, profiles: g.profiles }, logical: project.logical };
}

const show = (c: Case): string => [...c.texts].map(([file, text]) => `--- ${file}\n${text}`).join('\n');

// ---------------------------------------------------------------------------------------------
// What the desired model must hold.

const runs = (s: LogicalService, profiles: readonly string[]): boolean => s.profile === null || profiles.includes('*') || profiles.includes(s.profile);

/** The containers a service becomes: <name>_1..<name>_N when it gives N replicas (1 included), else itself. */
const containersOf = (s: LogicalService): string[] => (s.replicas !== null ? Array.from({ length: s.replicas }, (_, i) => `${s.name}_${i + 1}`) : [s.name]);

function mountsOf(s: LogicalService, l: Logical): Mount[] {
  const mounts: Mount[] = s.volumes.map((v) => ({ type: 'volume', source: v.source, target: v.target, readOnly: v.readOnly, noCopy: false }));
  if (s.bind !== null) mounts.push({ type: 'bind', source: path.join(dir, s.bind), target: '/srv/data', readOnly: false });
  if (s.secretFile !== 'none') mounts.push({ type: 'bind', source: path.join(dir, l.secretSource), target: s.secretFile === 'short' ? '/run/secrets/db_pw' : '/run/secrets/db_password', readOnly: true });
  if (s.config !== 'none') mounts.push({ type: 'bind', source: path.join(dir, l.configSource), target: s.config === 'short' ? '/app_conf' : '/etc/app.conf', readOnly: true });
  return mounts.sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
}

function assertContainers(desired: DesiredProject, l: Logical, profiles: readonly string[]): void {
  const expected = l.services.filter((s) => runs(s, profiles));
  assert.deepEqual(Object.keys(desired.containers).sort(), expected.flatMap(containersOf).sort());
  for (const s of expected) {
    for (const name of containersOf(s)) {
      const container = desired.containers[name];
      assert.ok(container !== undefined, name);
      const spec = container.spec;
      assert.equal(spec.image, s.image, `${name}: image`);
      assert.deepEqual(spec.command, s.command, `${name}: command`);
      assert.deepEqual(spec.environment, plain(environmentOf(s)), `${name}: environment`);
      assert.deepEqual(spec.labels, plain(s.labels), `${name}: labels`);
      const order = (p: ContainerPort) => [p.target, p.protocol, p.hostIp, p.published ?? -1] as const;
      const ports = s.ports.map(({ long: _long, ...p }) => p).sort((a, b) => {
        const [x, y] = [order(a), order(b)];
        return x[0] - y[0] || x[1].localeCompare(y[1]) || x[2].localeCompare(y[2]) || x[3] - y[3];
      });
      assert.deepEqual(spec.ports, plain(ports), `${name}: ports`);
      assert.deepEqual(
        spec.mounts.map((m) => plain(m)),
        plain(mountsOf(s, l)),
        `${name}: mounts`,
      );
      const restart = s.restart === 'common' ? l.commonRestart : (s.restart ?? 'no');
      assert.deepEqual(spec.restart, { name: restart, maxRetries: 0 }, `${name}: restart`);
      assert.deepEqual(spec.healthcheck === null ? null : [spec.healthcheck.test, spec.healthcheck.interval, spec.healthcheck.retries], s.healthcheck === null ? null : [s.healthcheck.test, s.healthcheck.intervalS * 1e9, s.healthcheck.retries], `${name}: healthcheck`);
      assert.equal(spec.memLimit, s.memMiB === null ? null : s.memMiB * 1024 * 1024, `${name}: memory`);
      assert.equal(spec.cpus, s.quarterCpus === null ? null : s.quarterCpus * 250_000_000, `${name}: cpus`);
      const networks = s.networks.length > 0 ? [...s.networks].sort() : ['default'];
      assert.deepEqual(Object.keys(spec.networks).sort(), networks, `${name}: networks`);
      for (const n of networks) assert.ok(spec.networks[n]?.aliases.includes(s.name), `alias ${s.name} on ${n}`);
      const dependsOn = Object.fromEntries(s.dependsOn.flatMap((d) => containersOf(l.services.find((x) => x.name === d.name) as LogicalService).map((c) => [c, { condition: d.condition }])));
      assert.deepEqual(plain(container.dependsOn), dependsOn, `${name}: depends_on`);
    }
  }
}

/** The top-level objects the running services use, wherever they are defined (any file, the included one), with the contents of their files. */
function assertObjects(desired: DesiredProject, l: Logical, profiles: readonly string[], reading: Reading): void {
  const running = l.services.filter((s) => runs(s, profiles));
  for (const n of new Set(running.flatMap((s) => s.networks))) assert.ok(desired.networks[n] !== undefined, `network ${n}`);
  for (const v of new Set(running.flatMap((s) => s.volumes.map((x) => x.source)))) assert.ok(desired.volumes[v] !== undefined, `volume ${v}`);
  if (reading === 'containers') return;
  const secret = desired.secrets.db_pw;
  if (running.some((s) => s.secretFile !== 'none')) assert.equal(secret?.external === false ? Buffer.from(secret.data.reveal()).toString() : null, DATA_FILES[l.secretSource], 'secret db_pw');
  const config = desired.configs.app_conf;
  if (running.some((s) => s.config !== 'none')) assert.equal(config?.external === false ? Buffer.from(config.data).toString() : null, DATA_FILES[l.configSource], 'config app_conf');
}

function assertServices(desired: DesiredProject, l: Logical, profiles: readonly string[]): void {
  const expected = l.services.filter((s) => runs(s, profiles));
  assert.deepEqual(Object.keys(desired.services).sort(), expected.map((s) => s.name).sort());
  for (const s of expected) {
    const spec = desired.services[s.name]?.spec;
    assert.ok(spec !== undefined, s.name);
    assert.equal(spec.image, s.image, `${s.name}: image`);
    assert.deepEqual(spec.environment, plain(environmentOf(s)), `${s.name}: environment`);
    assert.deepEqual(spec.containerLabels, plain(s.labels), `${s.name}: labels`);
    assert.equal(spec.replicas, s.replicas ?? 1, `${s.name}: replicas`);
    assert.deepEqual(
      spec.secrets.map((r) => r.source),
      s.secretFile === 'none' ? [] : ['db_pw'],
      `${s.name}: secrets`,
    );
  }
}

describe('the Compose fuzzer', () => {
  test('valid Compose projects (one file or several, include:, extends:), however spelled, load without an error and give the values they say; moor convert takes them', async () => {
    await checkProperty(
      fc.asyncProperty(caseArb, fc.constantFrom<Reading>('containers', 'services'), fc.boolean(), async ({ logical: any, layout, choices, style, selectProfiles }, reading, convertToo) => {
        const { c, logical } = caseOf({ logical: forReading(any, reading), layout, choices, style, reading, profiles: selectProfiles });
        const { result, ms } = await load(c);
        if (!result.ok) assert.fail(`a valid Compose project was refused:\n${result.issues.map(formatIssue).join('\n')}\n${show(c)}`);
        assertWellBehaved(result, ms, filesOf(c));
        assert.equal(result.desired.project, logical.project);
        try {
          if (reading === 'containers') assertContainers(result.desired, logical, selectProfiles);
          else assertServices(result.desired, logical, selectProfiles);
          assertObjects(result.desired, logical, selectProfiles, reading);
        } catch (error) {
          throw new Error(`${error instanceof Error ? error.message : String(error)}\n${show(c)}`, { cause: error });
        }
        if (convertToo) await assertConvertWellBehaved(c, result);
      }),
      RUNS * 2,
    );
  });
  // -------------------------------------------------------------------------------------------
  // Mutated projects. Every service (in every file: override, included, extended) also holds the
  // secret the ways environments do: as a value, in a user:password pair and in a URL, written or
  // from ${DB_PASSWORD}; the top level of compose.yaml has a secret and a config from it.

  const SECRET_ENTRIES: Readonly<Record<string, string>> = { PASSWORD: CANARY, AUTH: `admin:\${${SECRET_VAR}}`, DATABASE_URL: `postgres://app:\${${SECRET_VAR}}@db:5432/app`, TOKEN: `\${${SECRET_VAR}:-none}` };

  function addSecrets(files: readonly ProjectFile[]): void {
    for (const { path: file, tree } of files) {
      for (const service of Object.values((tree.services ?? {}) as Record<string, Record<string, unknown>>)) {
        const environment = service.environment;
        if (Array.isArray(environment)) environment.push(...Object.entries(SECRET_ENTRIES).map(([k, v]) => `${k}=${v}`));
        else service.environment = { ...(environment as Record<string, string> | undefined), ...SECRET_ENTRIES };
      }
      if (file !== 'compose.yaml') continue;
      tree.secrets = { ...(tree.secrets as object | undefined), env_pw: { environment: SECRET_VAR } };
      tree.configs = { ...(tree.configs as object | undefined), inline: { content: `password=\${${SECRET_VAR}}` } };
    }
  }

  const mutatedArb = fc.record({
    logical: logicalArb,
    layout: layoutArb,
    choices: fc.infiniteStream(fc.boolean()),
    style: yamlStyleArb,
    reading: fc.constantFrom<Reading>('containers', 'services'),
    profiles: fc.constantFrom<readonly string[]>([], ['debug'], ['*']),
    convert: fc.boolean(),
  });
  type Mutated = typeof mutatedArb extends fc.Arbitrary<infer T> ? T : never;

  /** A mutated case: the trees of its files (with the secrets) changed by `mutate`. */
  function mutatedCase(m: Mutated, mutate: (files: readonly ProjectFile[]) => void): Case {
    return caseOf(m, (files) => {
      addSecrets(files);
      mutate(files);
    }).c;
  }

  /** The file `index` picks among `files` (mod their number). */
  const nth = <T>(files: readonly T[], index: number): T | undefined => files[index % Math.max(files.length, 1)];

  async function assertCase(c: Case, convert: boolean): Promise<void> {
    const { result, ms } = await load(c);
    assertWellBehaved(result, ms, filesOf(c));
    // What commands print about how the files were read (the detection, the project, the profiles).
    const reading = JSON.stringify({ detection: result.detection, project: result.compose?.project, profiles: result.compose?.profiles });
    assert.ok(!reading.includes(CANARY), reading);
    if (convert) await assertConvertWellBehaved(c, result);
  }

  test('mutated as text (hostile characters, cut, duplicated, swapped or re-indented lines, in any of the files or .env files): never throws, never hangs, every problem positioned, no secret quoted', async () => {
    await checkProperty(
      fc.asyncProperty(mutatedArb, fc.array(textMutationArb, { minLength: 1, maxLength: 4 }), fc.nat(), async (m, mutations, which) => {
        const c = mutatedCase(m, () => undefined);
        // .env holds the secret too (when the environment does not): it is chosen as often as all the others.
        const targets = [...c.texts.keys()].flatMap((f) => (f === '.env' ? [] : [f, '.env']));
        const target = nth(targets, which) ?? '.env';
        const texts = new Map(c.texts);
        texts.set(target, mutations.reduce(mutateText, c.texts.get(target) ?? ''));
        await assertCase({ ...c, texts }, m.convert);
      }),
      RUNS * 2,
    );
  });

  test('mutated as a tree (wrong types, unknown keys, removed keys, in any of the files): never throws, never hangs, every problem positioned, no secret quoted', async () => {
    const keys = ['image', 'x-ok', 'services', 'ports', 'environment', 'extends', 'include', 'links', 'build', 'deploy', 'external', 'file', 'service', 'path', 'project_directory', 'env_file', '<<'];
    await checkProperty(
      fc.asyncProperty(mutatedArb, fc.array(fc.tuple(fc.nat(), treeMutationArb(keys)), { minLength: 1, maxLength: 3 }), async (m, mutations) => {
        await assertCase(
          mutatedCase(m, (files) => mutations.forEach(([which, x]) => mutateTree(nth(files, which)?.tree, x))),
          m.convert,
        );
      }),
      RUNS * 2,
    );
  });

  // A secret-bearing value (an environment entry, a pair, a URL, the variable) moved where it does
  // not belong: as the value of a field, as an item of its list, or as a key. A bare secret written
  // as it is into a structural field (image: <secret>) is not tried: messages quote the first word
  // of structural values by design (manifest/issues.ts quoteValue), so that the user sees what is
  // wrong with them; what is tried is what is secret by its shape or by where it comes from.
  const payload = fc.constantFrom<unknown>(
    `PASSWORD=${CANARY}`,
    `PASSWORD=\${${SECRET_VAR}}`,
    `AUTH=admin:\${${SECRET_VAR}}`,
    `admin:\${${SECRET_VAR}}`,
    `\${${SECRET_VAR}}`,
    `postgres://app:\${${SECRET_VAR}}@db:5432/app`,
    { PASSWORD: CANARY },
    [`PASSWORD=${CANARY}`],
  );
  const SERVICE_FIELDS = ['image', 'command', 'entrypoint', 'ports', 'networks', 'volumes', 'links', 'depends_on', 'secrets', 'configs', 'container_name', 'hostname', 'user', 'working_dir', 'restart', 'labels', 'profiles', 'extends', 'env_file', 'healthcheck', 'tmpfs', 'dns', 'extra_hosts', 'cap_add', 'stop_signal', 'stop_grace_period', 'mem_limit', 'cpus', 'scale', 'pull_policy', 'network_mode', 'logging', 'deploy', 'build', 'expose', 'ulimits', 'sysctls', 'x-meta'];
  const TOP_FIELDS = ['name', 'networks', 'volumes', 'secrets', 'configs', 'include', 'version', 'x-top'];
  const moveArb = fc.oneof(
    fc.record({ where: fc.constant('service' as const), service: fc.nat(), field: fc.constantFrom(...SERVICE_FIELDS), as: fc.constantFrom('value' as const, 'item' as const, 'key' as const, 'nested' as const), payload }),
    fc.record({ where: fc.constant('top' as const), service: fc.nat(), field: fc.constantFrom(...TOP_FIELDS), as: fc.constantFrom('value' as const, 'item' as const, 'key' as const, 'nested' as const), payload }),
    fc.record({ where: fc.constant('anywhere' as const), path: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), as: fc.constantFrom('value' as const, 'item' as const, 'key' as const, 'nested' as const), payload }),
  );
  type Move = typeof moveArb extends fc.Arbitrary<infer T> ? T : never;

  /** The payload as a value, an item of a list, a key (with a null value) or a key of a key's mapping. */
  function shaped(m: Move): unknown {
    const asText = typeof m.payload === 'string' ? m.payload : `PASSWORD=${CANARY}`;
    switch (m.as) {
      case 'value':
        return m.payload;
      case 'item':
        return [m.payload];
      case 'key':
        return { [asText]: null };
      case 'nested':
        return { [asText]: { [asText]: m.payload } };
    }
  }

  function move(tree: Record<string, unknown>, m: Move): void {
    if (m.where === 'anywhere') {
      const { parent, key } = pickNode(tree, m.path);
      if (parent !== null && key !== null) (parent as Record<string | number, unknown>)[key] = shaped(m);
      return;
    }
    if (m.where === 'top') {
      tree[m.field] = shaped(m);
      return;
    }
    // An earlier move may have put something else in the place of the services.
    const isObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
    if (!isObject(tree.services)) return;
    const services = Object.values(tree.services).filter(isObject);
    const service = services[m.service % Math.max(services.length, 1)];
    if (service !== undefined) service[m.field] = shaped(m);
  }

  test('a secret moved into another field (a port, the image, a network, a key, a label name...) of any of the files: never throws, every problem positioned, no secret quoted', async () => {
    await checkProperty(
      fc.asyncProperty(mutatedArb, fc.array(fc.tuple(fc.nat(), moveArb), { minLength: 1, maxLength: 3 }), async (m, moves) => {
        await assertCase(
          mutatedCase(m, (files) => moves.forEach(([which, x]) => move(nth(files, which)?.tree ?? {}, x))),
          m.convert,
        );
      }),
      RUNS * 2,
    );
  });
});
