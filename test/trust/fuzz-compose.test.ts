// The Compose reader by property, as fuzz-manifest.test.ts does for moor's own format: a fuzzer
// (fast-check) generates Compose files and checks what `moor validate`, plan and convert rest on
// (loadProject, and `moor convert` in-process):
//   - valid files (services with image, command, environment as a list and a map, env_file, ports
//     and volumes in the short and long syntaxes, networks, secrets and configs from files,
//     depends_on short and long, healthcheck, deploy.replicas and resources, labels as a list and a
//     map, profiles, `x-` fields with anchors, aliases and merge keys, `${VAR}` and
//     `${VAR:-default}` from the environment or .env), in varied YAML styles, load without an
//     error, and the values generated are in the desired model;
//   - the same files mutated (as text; as a tree: wrong types, unknown keys; and a secret-bearing
//     value moved into another field: a port, the image, a network, a key...) never make the
//     loader or moor convert throw or hang, every problem is positioned in a file read, and the
//     secret (CANARY: in environment values, in .env, in the process environment, in secret
//     files) never appears in a message.
// Runs: FUZZ_RUNS (default 150 per property); a failure prints the seed and path to replay it
// with: FUZZ_SEED=<seed> FUZZ_PATH=<path>.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { Document, Pair, Scalar, type YAMLMap, isMap } from 'yaml';
import { type ProjectLoadResult, loadProject } from '../../src/compose/front.js';
import type { Reading } from '../../src/compose/reading.js';
import { formatIssue } from '../../src/manifest/issues.js';
import type { ContainerPort, DesiredProject, Mount } from '../../src/model/desired.js';
import { runMoor } from '../support/cli.js';
import { CANARY, RUNS, type YamlStyle, assertWellBehaved, checkProperty, mutateText, mutateTree, pickNode, plain, textMutationArb, treeMutationArb, yamlStyleArb } from './fuzz-support.js';

/** The variable that holds the secret (in the process environment, or in .env). */
const SECRET_VAR = 'DB_PASSWORD';
const ENV_FILES = ['web.env'];
/** Every file a problem may be reported in. */
const FILES = ['compose.yaml', '.env', ...ENV_FILES];

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'moor-fuzz-compose-'));
  await writeFile(path.join(dir, 'db_pw.txt'), `${CANARY}-secret-file`);
  await writeFile(path.join(dir, 'app.conf'), `password=${CANARY}-config-file\n`);
  await writeFile(path.join(dir, 'web.env'), `FROM_FILE=${CANARY}-env-file\nSHARED=from-file\n`);
  await mkdir(path.join(dir, 'data'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Case {
  readonly text: string;
  /** The .env file ('' for none). */
  readonly dotenv: string;
  readonly env: Record<string, string>;
  readonly reading: Reading;
  readonly profiles: readonly string[];
}

async function load(c: Case): Promise<{ result: ProjectLoadResult; ms: number }> {
  await writeFile(path.join(dir, 'compose.yaml'), c.text);
  if (c.dotenv === '') await rm(path.join(dir, '.env'), { force: true });
  else await writeFile(path.join(dir, '.env'), c.dotenv);
  const started = performance.now();
  const result = await loadProject({ files: ['compose.yaml'], cwd: dir, env: c.env, reading: c.reading, profiles: c.profiles });
  return { result, ms: performance.now() - started };
}

/**
 * `moor convert --debug` on the files `load` wrote last: it must not crash, and its messages
 * (stderr) must not hold the secret, except in the problems where a key holds it. Its stdout is
 * the converted manifest: a secret written in the file is data there, so it is not checked.
 */
async function assertConvertWellBehaved(c: Case, loaded: ProjectLoadResult): Promise<void> {
  const args = ['convert', '--debug', '-f', 'compose.yaml', '--as', c.reading, ...c.profiles.flatMap((p) => ['--profile', p])];
  const run = await runMoor(args, { cwd: dir, env: c.env });
  assert.ok(!run.stderr.includes('internal error'), run.stderr);
  assert.equal(run.code, loaded.ok ? 0 : 1, run.stderr);
  const issues = loaded.ok ? loaded.warnings : loaded.issues;
  let stderr = run.stderr;
  for (const issue of issues.filter((i) => i.path.includes(CANARY))) stderr = stderr.replace(formatIssue(issue), '');
  assert.ok(!stderr.includes(CANARY), `the secret is in moor convert's messages:\n${run.stderr}`);
}

// ---------------------------------------------------------------------------------------------
// What a generated Compose file means: the logical values, before any spelling is chosen.

interface LogicalPort extends ContainerPort {
  /** Written in the long syntax (a mapping). */
  readonly long: boolean;
}

interface LogicalVolume {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

interface LogicalService {
  readonly name: string;
  readonly image: string;
  readonly command: readonly string[] | null;
  /** What the environment is, env_file included (the secret in PASSWORD when `secret` is set). */
  readonly environment: Record<string, string>;
  /** How PASSWORD holds the secret: written as it is, or as ${DB_PASSWORD} (with or without a default). */
  readonly secret: 'none' | 'literal' | 'variable' | 'variable-default';
  readonly envFile: boolean;
  readonly labels: Record<string, string>;
  readonly ports: readonly LogicalPort[];
  readonly volumes: readonly LogicalVolume[];
  readonly bind: boolean;
  readonly networks: readonly string[];
  readonly dependsOn: readonly { readonly name: string; readonly condition: 'service_started' | 'service_healthy' }[];
  readonly healthcheck: { readonly test: readonly string[]; readonly intervalS: number; readonly retries: number } | null;
  readonly replicas: number | null;
  readonly memMiB: number | null;
  readonly quarterCpus: number | null;
  /** restart: written, or from the `x-common` fields merged in (`<<: *common`). */
  readonly restart: 'no' | 'always' | 'unless-stopped' | 'common' | null;
  readonly secretFile: 'none' | 'short' | 'long';
  readonly config: 'none' | 'short' | 'long';
  readonly profile: string | null;
}

interface Logical {
  readonly project: string;
  readonly networks: readonly string[];
  readonly volumes: readonly string[];
  readonly services: readonly LogicalService[];
  /** The restart policy the `x-common` extension field holds. */
  readonly commonRestart: 'always' | 'unless-stopped';
  /** Where DB_PASSWORD is set. */
  readonly secretFrom: 'environment' | '.env';
  /** The tag of the first image, from ${TAG:-...} (set in .env, or the default). */
  readonly tagFromDotenv: boolean;
}

const name = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
const envKey = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,9}$/).filter((k) => k !== 'PASSWORD' && k !== 'FROM_FILE' && k !== 'SHARED');
// Printable, with the characters that break naive parsers: quotes, =, :, #, $, braces, unicode.
const envValue = fc.string({ unit: fc.constantFrom(...'abcXYZ019 =:#$"\'\\{}[],&*!|>%@`-_./é日\t'.split('')), maxLength: 24 });
const labelKey = fc.stringMatching(/^com\.example\.[a-z][a-z0-9-]{0,8}$/);
const image = fc.constantFrom('moor/busybox:latest', 'nginx:1.27', 'registry.example.com:5000/team/app:v1.10', 'redis@sha256:' + 'a'.repeat(64));
const word = fc.stringMatching(/^[a-z0-9/._-]{1,10}$/);
const target = fc.stringMatching(/^\/[a-z][a-z0-9_-]{0,8}$/);

const serviceArb = (n: string, index: number, earlier: readonly LogicalService[], networks: readonly string[], volumes: readonly string[]): fc.Arbitrary<LogicalService> =>
  fc
    .record({
      image,
      command: fc.option(fc.array(word, { minLength: 1, maxLength: 4 }), { nil: null }),
      environment: fc.dictionary(envKey, envValue, { maxKeys: 4 }),
      secret: fc.constantFrom('none' as const, 'literal' as const, 'variable' as const, 'variable-default' as const),
      envFile: fc.boolean(),
      labels: fc.dictionary(labelKey, envValue, { maxKeys: 3 }),
      replicas: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
      ports: fc.uniqueArray(
        fc.record({ target: fc.integer({ min: 1, max: 65535 }), published: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: null }), hostIp: fc.constantFrom('', '127.0.0.1'), protocol: fc.constantFrom('tcp' as const, 'udp' as const), long: fc.boolean() }),
        { maxLength: 3, selector: (p) => `${p.target}/${p.protocol}` },
      ),
      volumes: fc.uniqueArray(fc.record({ source: volumes.length === 0 ? fc.constant('') : fc.constantFrom(...volumes), target, readOnly: fc.boolean() }), { maxLength: 2, selector: (v) => v.target }),
      bind: fc.boolean(),
      networks: fc.subarray([...networks]),
      dependsOn: fc.subarray(earlier.filter((e) => e.profile === null).map((e) => e.name)).chain((names) =>
        fc.tuple(...names.map((d) => fc.constantFrom(...(earlier.find((e) => e.name === d)?.healthcheck === null ? ['service_started' as const] : ['service_started' as const, 'service_healthy' as const])).map((condition) => ({ name: d, condition })))),
      ),
      healthcheck: fc.option(fc.record({ test: fc.array(word, { minLength: 1, maxLength: 3 }).map((w) => ['CMD', ...w]), intervalS: fc.integer({ min: 1, max: 90 }), retries: fc.integer({ min: 1, max: 9 }) }), { nil: null }),
      memMiB: fc.option(fc.integer({ min: 6, max: 4096 }), { nil: null }),
      quarterCpus: fc.option(fc.integer({ min: 1, max: 16 }), { nil: null }),
      restart: fc.constantFrom('no' as const, 'always' as const, 'unless-stopped' as const, 'common' as const, null),
      secretFile: fc.constantFrom('none' as const, 'short' as const, 'long' as const),
      config: fc.constantFrom('none' as const, 'short' as const, 'long' as const),
      // The first service always runs (the others may depend on it).
      profile: index === 0 ? fc.constant(null) : fc.option(fc.constantFrom('debug', 'tools'), { nil: null, freq: 3 }),
    })
    .map((s): LogicalService => {
      const withSecret = s.secret === 'none' ? s.environment : { ...s.environment, PASSWORD: CANARY };
      return {
        ...s,
        name: n,
        environment: s.envFile ? { FROM_FILE: `${CANARY}-env-file`, SHARED: 'from-file', ...withSecret } : withSecret,
        // Several containers of one service cannot bind one host port (moor refuses that, rightly).
        ports: s.replicas !== null && s.replicas > 1 ? s.ports.map((p) => ({ ...p, published: null, hostIp: '' })) : s.ports,
        volumes: s.volumes.filter((v) => v.source !== '' && !(s.bind && v.target === '/srv/data')),
      };
    });

/** Services one after the other, so that each may depend on those before it. */
function servicesArb(names: readonly string[], networks: readonly string[], volumes: readonly string[], earlier: readonly LogicalService[] = []): fc.Arbitrary<LogicalService[]> {
  const [first, ...rest] = names;
  if (first === undefined) return fc.constant([...earlier]);
  return serviceArb(first, earlier.length, earlier, networks, volumes).chain((s) => servicesArb(rest, networks, volumes, [...earlier, s]));
}

const logicalArb: fc.Arbitrary<Logical> = fc
  .record({ project: name, networks: fc.uniqueArray(name, { maxLength: 3 }), volumes: fc.uniqueArray(name, { maxLength: 2 }), serviceNames: fc.uniqueArray(name, { minLength: 1, maxLength: 4 }) })
  // A service named like the copy of a replicated one (web_2) cannot happen: names have no "_".
  .chain(({ project, networks, volumes, serviceNames }) =>
    fc.record({
      project: fc.constant(project),
      networks: fc.constant(networks),
      volumes: fc.constant(volumes),
      services: servicesArb(serviceNames, networks, volumes),
      commonRestart: fc.constantFrom('always' as const, 'unless-stopped' as const),
      secretFrom: fc.constantFrom('environment' as const, '.env' as const),
      tagFromDotenv: fc.boolean(),
    }),
  )
  // Published ports must not clash ('' binds every address, so it clashes with 127.0.0.1 too).
  .filter((l) => {
    const published = l.services.flatMap((s) => s.ports.filter((p) => p.published !== null).map((p) => `${p.published}/${p.protocol}`));
    return new Set(published).size === published.length;
  });

// ---------------------------------------------------------------------------------------------
// Spellings: every choice below must mean the same thing.

/** `$` doubles: a literal dollar in a Compose file (interpolation's escape). */
const escape = (s: string): string => s.replaceAll('$', () => '$$');

type Choice = () => boolean;

function spellMap(map: Record<string, string>, pick: Choice): Record<string, string> | string[] {
  if (pick()) return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, escape(v)]));
  return Object.entries(map).map(([k, v]) => `${k}=${escape(v)}`);
}

function spellPort(p: LogicalPort, pick: Choice): unknown {
  if (p.long) return { target: p.target, ...(p.published === null ? {} : { published: pick() ? p.published : String(p.published) }), protocol: p.protocol, ...(p.hostIp === '' ? {} : { host_ip: p.hostIp }), ...(pick() ? { mode: 'host' } : {}) };
  const proto = p.protocol === 'tcp' && pick() ? '' : `/${p.protocol}`;
  if (p.published === null) return p.hostIp === '' ? `${p.target}${proto}` : `${p.hostIp}::${p.target}${proto}`;
  return `${p.hostIp === '' ? '' : `${p.hostIp}:`}${p.published}:${p.target}${proto}`;
}

function spellVolume(v: LogicalVolume, pick: Choice): unknown {
  if (pick()) return { type: 'volume', source: v.source, target: v.target, ...(v.readOnly || pick() ? { read_only: v.readOnly } : {}) };
  return `${v.source}:${v.target}${v.readOnly ? ':ro' : pick() ? ':rw' : ''}`;
}

function spellService(s: LogicalService, index: number, pick: Choice): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  out.image = index === 0 && s.image.endsWith(':1.27') ? s.image.replace(/:1\.27$/, ':${TAG:-1.27}') : s.image;
  if (s.command !== null) out.command = pick() ? s.command.join(' ') : [...s.command];
  const { PASSWORD: _password, FROM_FILE: _fromFile, SHARED: _shared, ...written } = s.environment;
  const environment = spellMap(written, pick);
  if (s.secret !== 'none') {
    const password = s.secret === 'literal' ? CANARY : s.secret === 'variable' ? `\${${SECRET_VAR}}` : `\${${SECRET_VAR}:-nope}`;
    if (Array.isArray(environment)) environment.push(`PASSWORD=${password}`);
    else environment.PASSWORD = password;
  }
  if (Object.keys(s.environment).length > 0 || pick()) out.environment = environment;
  if (s.envFile) out.env_file = pick() ? './web.env' : pick() ? ['web.env'] : [{ path: 'web.env', required: true }];
  if (Object.keys(s.labels).length > 0) out.labels = spellMap(s.labels, pick);
  if (s.ports.length > 0) out.ports = s.ports.map((p) => spellPort(p, pick));
  const volumes = [...s.volumes.map((v) => spellVolume(v, pick)), ...(s.bind ? [pick() ? './data:/srv/data' : { type: 'bind', source: './data', target: '/srv/data' }] : [])];
  if (volumes.length > 0) out.volumes = volumes;
  if (s.networks.length > 0) out.networks = pick() ? [...s.networks] : Object.fromEntries(s.networks.map((n) => [n, pick() ? null : { aliases: [] }]));
  if (s.dependsOn.length > 0) {
    out.depends_on = s.dependsOn.every((d) => d.condition === 'service_started') && pick() ? s.dependsOn.map((d) => d.name) : Object.fromEntries(s.dependsOn.map((d) => [d.name, { condition: d.condition }]));
  }
  if (s.healthcheck !== null) out.healthcheck = { test: [...s.healthcheck.test], interval: `${s.healthcheck.intervalS}s`, retries: pick() ? s.healthcheck.retries : String(s.healthcheck.retries) };
  const deploy: Record<string, unknown> = {};
  if (s.replicas !== null) {
    if (pick()) deploy.replicas = s.replicas;
    else out.scale = s.replicas;
  }
  const limits: Record<string, unknown> = {};
  if (s.memMiB !== null) {
    if (pick()) limits.memory = `${s.memMiB}M`;
    else out.mem_limit = pick() ? `${s.memMiB}m` : s.memMiB * 1024 * 1024;
  }
  if (s.quarterCpus !== null) {
    if (pick()) limits.cpus = String(s.quarterCpus / 4);
    else out.cpus = s.quarterCpus / 4;
  }
  if (Object.keys(limits).length > 0) deploy.resources = { limits };
  if (Object.keys(deploy).length > 0) out.deploy = deploy;
  if (s.restart !== null && s.restart !== 'common') out.restart = s.restart;
  if (s.secretFile !== 'none') out.secrets = s.secretFile === 'short' ? ['db_pw'] : [{ source: 'db_pw', target: 'db_password' }];
  if (s.config !== 'none') out.configs = [s.config === 'short' ? 'app_conf' : { source: 'app_conf', target: '/etc/app.conf' }];
  if (s.profile !== null) out.profiles = [s.profile];
  if (pick()) out['x-note'] = 'extension fields mean nothing';
  return out;
}

/** The Compose file as a tree, spelled with the choices `pick` makes. */
function spellTree(l: Logical, pick: Choice): Record<string, unknown> {
  const tree: Record<string, unknown> = { name: l.project };
  if (l.services.some((s) => s.restart === 'common')) tree['x-common'] = { restart: l.commonRestart, 'x-why': 'merged into services with <<' };
  if (l.networks.length > 0) tree.networks = Object.fromEntries(l.networks.map((n) => [n, pick() ? {} : pick() ? null : { labels: { 'com.example.network': n } }]));
  if (l.volumes.length > 0) tree.volumes = Object.fromEntries(l.volumes.map((n) => [n, pick() ? {} : null]));
  if (l.services.some((s) => s.secretFile !== 'none')) tree.secrets = { db_pw: { file: './db_pw.txt' } };
  if (l.services.some((s) => s.config !== 'none')) tree.configs = { app_conf: { file: './app.conf' } };
  tree.services = Object.fromEntries(l.services.map((s, i) => [s.name, spellService(s, i, pick)]));
  return tree;
}

/**
 * The tree as a YAML document with anchors: `<<: *common` in the services whose restart comes from
 * x-common, and an alias where a service's labels are the same as an earlier one's. Where a
 * mutation took away what they refer to, there is none.
 */
function documentOf(tree: Record<string, unknown>, l: Logical, pick: Choice): Document {
  const doc = new Document(tree);
  const common = doc.get('x-common', true);
  if (isMap(common)) {
    const alias = doc.createAlias(common, 'common');
    for (const s of l.services.filter((x) => x.restart === 'common')) {
      const service = doc.getIn(['services', s.name], true);
      if (!isMap(service)) continue;
      const key = new Scalar('<<');
      key.type = 'PLAIN';
      service.items.unshift(new Pair(key, alias));
    }
  }
  const written = new Map<string, YAMLMap>();
  for (const s of l.services) {
    const service = doc.getIn(['services', s.name], true);
    const labels = isMap(service) ? service.get('labels', true) : undefined;
    if (!isMap(service) || !isMap(labels)) continue;
    const json = JSON.stringify(labels.toJSON());
    const same = written.get(json);
    if (same !== undefined && pick()) service.set('labels', doc.createAlias(same));
    else written.set(json, labels);
  }
  return doc;
}

function dotenvOf(l: Logical): string {
  const lines = ['# variables for interpolation'];
  if (l.secretFrom === '.env') lines.push(`${SECRET_VAR}=${CANARY}`);
  if (l.tagFromDotenv) lines.push('TAG=1.27');
  return `${lines.join('\n')}\n`;
}

/** Swarm publishes on every address: no host IP in the services reading. */
const forReading = (l: Logical, reading: Reading): Logical => (reading === 'containers' ? l : { ...l, services: l.services.map((s) => ({ ...s, ports: s.ports.map((p) => ({ ...p, hostIp: '' })) })) });

const caseArb = fc.record({ logical: logicalArb, choices: fc.infiniteStream(fc.boolean()), style: yamlStyleArb, selectProfiles: fc.constantFrom<readonly string[]>([], ['debug'], ['debug', 'tools'], ['*']) });

function render(doc: Document, style: YamlStyle): string {
  return doc.toString({ ...style, lineWidth: 0 });
}

function caseOf(l: Logical, choices: fc.Stream<boolean>, style: YamlStyle, reading: Reading, profiles: readonly string[]): Case {
  const iterator = choices[Symbol.iterator]();
  const pick: Choice = () => iterator.next().value === true;
  return {
    text: render(documentOf(spellTree(l, pick), l, pick), style),
    dotenv: dotenvOf(l),
    env: l.secretFrom === 'environment' ? { [SECRET_VAR]: CANARY } : {},
    reading,
    profiles,
  };
}

// ---------------------------------------------------------------------------------------------
// What the desired model must hold.

const runs = (s: LogicalService, profiles: readonly string[]): boolean => s.profile === null || profiles.includes('*') || profiles.includes(s.profile);

/** The containers a service becomes: itself, or <name>_1..<name>_N for N replicas. */
const containersOf = (s: LogicalService): string[] => (s.replicas !== null && s.replicas > 1 ? Array.from({ length: s.replicas }, (_, i) => `${s.name}_${i + 1}`) : [s.name]);

function mountsOf(s: LogicalService): Mount[] {
  const mounts: Mount[] = s.volumes.map((v) => ({ type: 'volume', source: v.source, target: v.target, readOnly: v.readOnly, noCopy: false }));
  if (s.bind) mounts.push({ type: 'bind', source: path.join(dir, 'data'), target: '/srv/data', readOnly: false });
  if (s.secretFile !== 'none') mounts.push({ type: 'bind', source: path.join(dir, 'db_pw.txt'), target: s.secretFile === 'short' ? '/run/secrets/db_pw' : '/run/secrets/db_password', readOnly: true });
  if (s.config !== 'none') mounts.push({ type: 'bind', source: path.join(dir, 'app.conf'), target: s.config === 'short' ? '/app_conf' : '/etc/app.conf', readOnly: true });
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
      assert.equal(spec.image, s.image);
      assert.deepEqual(spec.command, s.command);
      assert.deepEqual(spec.environment, plain(s.environment));
      assert.deepEqual(spec.labels, plain(s.labels));
      const order = (p: ContainerPort) => [p.target, p.protocol, p.hostIp, p.published ?? -1] as const;
      const ports = s.ports.map(({ long: _long, ...p }) => p).sort((a, b) => {
        const [x, y] = [order(a), order(b)];
        return x[0] - y[0] || x[1].localeCompare(y[1]) || x[2].localeCompare(y[2]) || x[3] - y[3];
      });
      assert.deepEqual(spec.ports, plain(ports));
      assert.deepEqual(spec.mounts.map((m) => plain(m)), plain(mountsOf(s)));
      const restart = s.restart === 'common' ? l.commonRestart : (s.restart ?? 'no');
      assert.deepEqual(spec.restart, { name: restart, maxRetries: 0 });
      assert.deepEqual(spec.healthcheck === null ? null : [spec.healthcheck.test, spec.healthcheck.interval, spec.healthcheck.retries], s.healthcheck === null ? null : [s.healthcheck.test, s.healthcheck.intervalS * 1e9, s.healthcheck.retries]);
      assert.equal(spec.memLimit, s.memMiB === null ? null : s.memMiB * 1024 * 1024);
      assert.equal(spec.cpus, s.quarterCpus === null ? null : s.quarterCpus * 250_000_000);
      const networks = s.networks.length > 0 ? [...s.networks].sort() : ['default'];
      assert.deepEqual(Object.keys(spec.networks).sort(), networks);
      for (const n of networks) assert.ok(spec.networks[n]?.aliases.includes(s.name), `alias ${s.name} on ${n}`);
      const dependsOn = Object.fromEntries(s.dependsOn.flatMap((d) => containersOf(l.services.find((x) => x.name === d.name) as LogicalService).map((c) => [c, { condition: d.condition }])));
      assert.deepEqual(plain(container.dependsOn), dependsOn);
    }
  }
}

function assertServices(desired: DesiredProject, l: Logical, profiles: readonly string[]): void {
  const expected = l.services.filter((s) => runs(s, profiles));
  assert.deepEqual(Object.keys(desired.services).sort(), expected.map((s) => s.name).sort());
  for (const s of expected) {
    const spec = desired.services[s.name]?.spec;
    assert.ok(spec !== undefined, s.name);
    assert.deepEqual(spec.environment, plain(s.environment));
    assert.deepEqual(spec.containerLabels, plain(s.labels));
    assert.equal(spec.replicas, s.replicas ?? 1);
    assert.deepEqual(spec.secrets.map((r) => r.source), s.secretFile === 'none' ? [] : ['db_pw']);
  }
}

describe('the Compose fuzzer', () => {
  test('valid Compose files, however spelled, load without an error and give the values they say; moor convert takes them', async () => {
    await checkProperty(
      fc.asyncProperty(caseArb, fc.constantFrom<Reading>('containers', 'services'), fc.boolean(), async ({ logical: any, choices, style, selectProfiles }, reading, convertToo) => {
        const logical = forReading(any, reading);
        const c = caseOf(logical, choices, style, reading, selectProfiles);
        const { result, ms } = await load(c);
        if (!result.ok) assert.fail(`a valid Compose file was refused:\n${result.issues.map(formatIssue).join('\n')}\n--- compose.yaml\n${c.text}`);
        assertWellBehaved(result, ms, FILES);
        if (reading === 'containers') assertContainers(result.desired, logical, selectProfiles);
        else assertServices(result.desired, logical, selectProfiles);
        if (convertToo) await assertConvertWellBehaved(c, result);
      }),
      RUNS,
    );
  });

  // -------------------------------------------------------------------------------------------
  // Mutated files. Every service also holds the secret the ways environments do: as a value, in
  // a user:password pair and in a URL, written or from ${DB_PASSWORD}; the top level has a secret
  // and a config from it.

  const SECRET_ENTRIES: Readonly<Record<string, string>> = { PASSWORD: CANARY, AUTH: `admin:\${${SECRET_VAR}}`, DATABASE_URL: `postgres://app:\${${SECRET_VAR}}@db:5432/app`, TOKEN: `\${${SECRET_VAR}:-none}` };

  function withSecrets(tree: Record<string, unknown>): Record<string, unknown> {
    const services = tree.services as Record<string, Record<string, unknown>>;
    for (const service of Object.values(services)) {
      const environment = service.environment;
      if (Array.isArray(environment)) environment.push(...Object.entries(SECRET_ENTRIES).map(([k, v]) => `${k}=${v}`));
      else service.environment = { ...(environment as Record<string, string> | undefined), ...SECRET_ENTRIES };
    }
    return { ...tree, secrets: { ...(tree.secrets as object | undefined), env_pw: { environment: SECRET_VAR } }, configs: { ...(tree.configs as object | undefined), inline: { content: `password=\${${SECRET_VAR}}` } } };
  }

  const mutatedArb = fc.record({
    logical: logicalArb,
    choices: fc.infiniteStream(fc.boolean()),
    style: yamlStyleArb,
    reading: fc.constantFrom<Reading>('containers', 'services'),
    profiles: fc.constantFrom<readonly string[]>([], ['debug'], ['*']),
    convert: fc.boolean(),
  });

  /** A mutated case: the tree (with the secrets) changed by `mutate`, then its text by `mutateText`. */
  function mutatedCase(m: { logical: Logical; choices: fc.Stream<boolean>; style: YamlStyle; reading: Reading; profiles: readonly string[] }, mutate: (tree: Record<string, unknown>) => void, mutateText_: (text: string) => string = (t) => t): Case {
    const iterator = m.choices[Symbol.iterator]();
    const pick: Choice = () => iterator.next().value === true;
    const tree = withSecrets(spellTree(m.logical, pick));
    mutate(tree);
    return { text: mutateText_(render(documentOf(tree, m.logical, pick), m.style)), dotenv: dotenvOf(m.logical), env: m.logical.secretFrom === 'environment' ? { [SECRET_VAR]: CANARY } : {}, reading: m.reading, profiles: m.profiles };
  }

  async function assertCase(c: Case, convert: boolean): Promise<void> {
    const { result, ms } = await load(c);
    assertWellBehaved(result, ms, FILES);
    // What commands print about how the files were read (the detection, the project, the profiles).
    const reading = JSON.stringify({ detection: result.detection, project: result.compose?.project, profiles: result.compose?.profiles });
    assert.ok(!reading.includes(CANARY), reading);
    if (convert) await assertConvertWellBehaved(c, result);
  }

  test('mutated as text (hostile characters, cut, duplicated, swapped or re-indented lines, in compose.yaml or .env): never throws, never hangs, every problem positioned, no secret quoted', async () => {
    await checkProperty(
      fc.asyncProperty(mutatedArb, fc.array(textMutationArb, { minLength: 1, maxLength: 4 }), fc.boolean(), async (m, mutations, inDotenv) => {
        const c = mutatedCase(m, () => undefined, (text) => (inDotenv ? text : mutations.reduce(mutateText, text)));
        // .env holds the secret too (when the environment does not).
        await assertCase(inDotenv ? { ...c, dotenv: mutations.reduce(mutateText, c.dotenv) } : c, m.convert);
      }),
      RUNS * 2,
    );
  });

  test('mutated as a tree (wrong types, unknown keys, removed keys): never throws, never hangs, every problem positioned, no secret quoted', async () => {
    const keys = ['image', 'x-ok', 'services', 'ports', 'environment', 'extends', 'include', 'links', 'build', 'deploy', 'external', 'file', '<<'];
    await checkProperty(
      fc.asyncProperty(mutatedArb, fc.array(treeMutationArb(keys), { minLength: 1, maxLength: 3 }), async (m, mutations) => {
        await assertCase(mutatedCase(m, (tree) => mutations.forEach((x) => mutateTree(tree, x))), m.convert);
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

  test('a secret moved into another field (a port, the image, a network, a key, a label name...): never throws, every problem positioned, no secret quoted', async () => {
    await checkProperty(
      fc.asyncProperty(mutatedArb, fc.array(moveArb, { minLength: 1, maxLength: 3 }), async (m, moves) => {
        await assertCase(mutatedCase(m, (tree) => moves.forEach((x) => move(tree, x))), m.convert);
      }),
      RUNS * 2,
    );
  });
});
