// Research D1-D4 by property: a fuzzer (fast-check) generates manifests and checks what `moor
// validate` rests on (loadManifest):
//   - valid manifests, each written in a random mix of the short and long syntaxes, list and map
//     forms, YAML styles and units, normalise to exactly the values generated (nothing lost), and
//     two different spellings of one manifest give the same model, and so does the manifest split
//     over two files (`-f base.yaml -f override.yaml`: each key in one file or both);
//   - the same manifests mutated (as text: hostile characters, cut, duplicated or re-indented
//     lines; as a tree: values of the wrong type, unknown keys, removed keys) never make it throw
//     or hang, and every problem it reports has a file and a line; a secret in the manifest never
//     appears in a message, nor does a variable's value when any value is written as `${VAR}`.
// Runs: FUZZ_RUNS (default 150 per property); a failure prints the seed and path to replay it
// with: FUZZ_SEED=<seed> FUZZ_PATH=<path>.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { loadManifest, type LoadResult } from '../../src/manifest/index.js';
import type { ContainerPort, DesiredProject, RestartPolicy } from '../../src/model/desired.js';
import { CANARY, RUNS, type YamlStyle, assertWellBehaved, checkProperty, mutateText, mutateTree, pickNode, plain, textMutationArb, treeMutationArb, withCpuTime, yamlStyleArb } from './fuzz-support.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'moor-fuzz-'));
  await writeFile(path.join(dir, 'db_pw.txt'), `${CANARY}-secret-file`);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(text: string, env: Record<string, string> = {}): Promise<{ result: LoadResult; ms: number }> {
  return loadFiles({ 'moor.yaml': text }, env);
}

/** The files, written, loaded with `-f` in their order. */
async function loadFiles(texts: Readonly<Record<string, string>>, env: Record<string, string> = {}): Promise<{ result: LoadResult; ms: number }> {
  for (const [file, text] of Object.entries(texts)) await writeFile(path.join(dir, file), text);
  return withCpuTime(() => loadManifest({ files: Object.keys(texts), cwd: dir, env }));
}

// ---------------------------------------------------------------------------------------------
// What a generated manifest means: the logical values, before any spelling is chosen.

interface LogicalContainer {
  readonly name: string;
  readonly image: string;
  readonly command: readonly string[] | null;
  readonly environment: Record<string, string>;
  readonly labels: Record<string, string>;
  readonly ports: readonly ContainerPort[];
  readonly restart: RestartPolicy;
  readonly stopGraceMs: number | null;
  readonly memMiB: number | null;
  readonly quarterCpus: number | null;
  readonly init: boolean | null;
  readonly networks: readonly string[];
}

interface LogicalService {
  readonly name: string;
  readonly image: string;
  readonly replicas: number;
  readonly environment: Record<string, string>;
  readonly labels: Record<string, string>;
  readonly secretTarget: string | null;
  readonly networks: readonly string[];
}

interface Logical {
  readonly project: string;
  readonly networks: readonly string[];
  readonly containers: readonly LogicalContainer[];
  readonly services: readonly LogicalService[];
}

const name = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
const envKey = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,9}$/);
// Printable, with the characters that break naive parsers: quotes, =, :, #, $, braces, unicode.
const envValue = fc.string({ unit: fc.constantFrom(...'abcXYZ019 =:#$"\'\\{}[],&*!|>%@`-_./é日\t'.split('')), maxLength: 24 });
const labelKey = fc.stringMatching(/^com\.example\.[a-z][a-z0-9-]{0,8}$/);
const image = fc.constantFrom('moor/busybox:latest', 'nginx:1.27', 'registry.example.com:5000/team/app:v1.10', 'redis@sha256:' + 'a'.repeat(64));
const word = fc.stringMatching(/^[a-z0-9/._-]{1,10}$/);

const containerArb = (networks: readonly string[]) =>
  fc.record({
    image,
    command: fc.option(fc.array(word, { minLength: 1, maxLength: 4 }), { nil: null }),
    environment: fc.dictionary(envKey, envValue, { maxKeys: 4 }),
    labels: fc.dictionary(labelKey, envValue, { maxKeys: 3 }),
    ports: fc.uniqueArray(
      fc.record({ target: fc.integer({ min: 1, max: 65535 }), published: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: null }), hostIp: fc.constantFrom('', '127.0.0.1'), protocol: fc.constantFrom('tcp' as const, 'udp' as const) }),
      { maxLength: 3, selector: (p) => `${p.target}/${p.protocol}` },
    ),
    restart: fc.oneof(
      fc.constantFrom<RestartPolicy>({ name: 'no', maxRetries: 0 }, { name: 'always', maxRetries: 0 }, { name: 'unless-stopped', maxRetries: 0 }),
      fc.integer({ min: 1, max: 9 }).map((n): RestartPolicy => ({ name: 'on-failure', maxRetries: n })),
    ),
    stopGraceMs: fc.option(fc.integer({ min: 1, max: 120_000 }), { nil: null }),
    memMiB: fc.option(fc.integer({ min: 6, max: 4096 }), { nil: null }),
    quarterCpus: fc.option(fc.integer({ min: 1, max: 16 }), { nil: null }),
    init: fc.option(fc.boolean(), { nil: null }),
    networks: fc.subarray([...networks]),
  });

const logicalArb: fc.Arbitrary<Logical> = fc
  .record({ project: name, networks: fc.uniqueArray(name, { maxLength: 3 }), containerNames: fc.uniqueArray(name, { minLength: 1, maxLength: 3 }), serviceNames: fc.uniqueArray(name, { maxLength: 2 }) })
  .chain(({ project, networks, containerNames, serviceNames }) =>
    fc.record({
      project: fc.constant(project),
      networks: fc.constant(networks),
      containers: fc.tuple(...containerNames.map((n) => containerArb(networks).map((c): LogicalContainer => ({ ...c, name: n })))),
      services: fc.tuple(
        ...serviceNames
          .filter((n) => !containerNames.includes(n))
          .map((n) =>
            fc.record({ image, replicas: fc.integer({ min: 0, max: 9 }), environment: fc.dictionary(envKey, envValue, { maxKeys: 3 }), labels: fc.dictionary(labelKey, envValue, { maxKeys: 2 }), secretTarget: fc.option(fc.constantFrom('db_pw', '/etc/pw', 'pw.txt'), { nil: null }) }).map(
              (s): LogicalService => ({ ...s, name: n, networks: [] }),
            ),
          ),
      ),
    }),
  )
  // Published ports must not clash (moor refuses that, rightly; '' binds every address, so it
  // clashes with 127.0.0.1 too).
  .filter((l) => {
    const published = l.containers.flatMap((c) => c.ports.filter((p) => p.published !== null).map((p) => `${p.published}/${p.protocol}`));
    return new Set(published).size === published.length;
  });

// ---------------------------------------------------------------------------------------------
// Spellings: every choice below must mean the same thing.

/** `$` doubles: a literal dollar in a manifest (interpolation's escape). */
const escape = (s: string): string => s.replaceAll('$', () => '$$');

type Choice = () => boolean;

function spellMap(map: Record<string, string>, pick: Choice): unknown {
  if (pick()) return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, escape(v)]));
  return Object.entries(map).map(([k, v]) => `${k}=${escape(v)}`);
}

function spellPort(p: ContainerPort, pick: Choice): unknown {
  if (pick()) return { target: p.target, ...(p.published === null ? {} : { published: p.published }), protocol: p.protocol, ...(p.hostIp === '' ? {} : { host_ip: p.hostIp }) };
  const proto = p.protocol === 'tcp' && pick() ? '' : `/${p.protocol}`;
  if (p.published === null) return p.hostIp === '' ? `${p.target}${proto}` : `${p.hostIp}::${p.target}${proto}`;
  return `${p.hostIp === '' ? '' : `${p.hostIp}:`}${p.published}:${p.target}${proto}`;
}

function spellDuration(ms: number, pick: Choice): string {
  if (ms % 60_000 === 0 && pick()) return `${ms / 60_000}m`;
  if (ms % 1000 === 0 && pick()) return `${ms / 1000}s`;
  if (ms > 1000 && pick()) return `${Math.floor(ms / 1000)}s${ms % 1000}ms`;
  return `${ms}ms`;
}

function spellMemory(mib: number, pick: Choice): unknown {
  if (pick()) return `${mib}m`;
  if (mib % 1024 === 0 && pick()) return `${mib / 1024}g`;
  if (pick()) return `${mib * 1024}k`;
  return mib * 1024 * 1024;
}

function spellContainer(c: LogicalContainer, pick: Choice): Record<string, unknown> {
  const out: Record<string, unknown> = { image: c.image };
  if (c.command !== null) out.command = pick() ? c.command.join(' ') : [...c.command];
  if (Object.keys(c.environment).length > 0 || pick()) out.environment = spellMap(c.environment, pick);
  if (Object.keys(c.labels).length > 0) out.labels = spellMap(c.labels, pick);
  if (c.ports.length > 0) out.ports = c.ports.map((p) => spellPort(p, pick));
  if (c.restart.name !== 'no' || pick()) out.restart = c.restart.name === 'on-failure' ? `on-failure:${c.restart.maxRetries}` : c.restart.name;
  if (c.stopGraceMs !== null) out.stop_grace_period = spellDuration(c.stopGraceMs, pick);
  if (c.memMiB !== null) out.mem_limit = spellMemory(c.memMiB, pick);
  if (c.quarterCpus !== null) out.cpus = pick() ? c.quarterCpus / 4 : String(c.quarterCpus / 4);
  if (c.init !== null) out.init = c.init;
  if (c.networks.length > 0) out.networks = pick() ? [...c.networks] : Object.fromEntries(c.networks.map((n) => [n, pick() ? null : { aliases: [] }]));
  return out;
}

function spellService(s: LogicalService, pick: Choice): Record<string, unknown> {
  const out: Record<string, unknown> = { image: s.image };
  if (s.replicas !== 1 || pick()) out.replicas = s.replicas;
  if (Object.keys(s.environment).length > 0) out.environment = spellMap(s.environment, pick);
  if (Object.keys(s.labels).length > 0) out.labels = spellMap(s.labels, pick);
  if (s.secretTarget !== null) out.secrets = s.secretTarget === 'db_pw' && pick() ? ['db_pw'] : [{ source: 'db_pw', target: s.secretTarget }];
  return out;
}

/** The manifest as a JS tree, spelled with the choices `pick` makes. */
function spell(l: Logical, pick: Choice): Record<string, unknown> {
  const usesSecret = l.services.some((s) => s.secretTarget !== null);
  const doc: Record<string, unknown> = { project: l.project };
  if (l.networks.length > 0) doc.networks = Object.fromEntries(l.networks.map((n) => [n, pick() ? {} : null]));
  if (usesSecret) doc.secrets = { db_pw: { file: './db_pw.txt' } };
  doc.containers = Object.fromEntries(l.containers.map((c) => [c.name, spellContainer(c, pick)]));
  if (l.services.length > 0) doc.services = Object.fromEntries(l.services.map((s) => [s.name, spellService(s, pick)]));
  return doc;
}

/** A manifest: the logical values, two independent spellings of them, and YAML styles. */
const manifestArb = fc.record({ logical: logicalArb, choicesA: fc.infiniteStream(fc.boolean()), choicesB: fc.infiniteStream(fc.boolean()), styleA: yamlStyleArb, styleB: yamlStyleArb });

function render(l: Logical, choices: fc.Stream<boolean>, style: YamlStyle): string {
  const iterator = choices[Symbol.iterator]();
  const pick: Choice = () => iterator.next().value === true;
  return stringify(spell(l, pick), { ...style, lineWidth: 0 });
}

function withoutLocations(d: DesiredProject): unknown {
  return JSON.parse(JSON.stringify({ ...d, locations: undefined }, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)));
}

/** What containers and services share: image, environment, labels. */
function assertCommon(spec: { image: string; environment: object; labels: object } | undefined, l: LogicalContainer | LogicalService): asserts spec {
  assert.ok(spec !== undefined, l.name);
  assert.equal(spec.image, l.image);
  assert.deepEqual(spec.environment, plain(l.environment));
  assert.deepEqual(spec.labels, plain(l.labels));
}

function assertMeans(desired: DesiredProject, l: Logical): void {
  assert.equal(desired.project, l.project);
  for (const c of l.containers) {
    const spec = desired.containers[c.name]?.spec;
    assertCommon(spec, c);
    assert.deepEqual(spec.command, c.command);
    const order = (p: ContainerPort) => [p.target, p.protocol, p.hostIp, p.published ?? -1] as const;
    const sorted = [...c.ports].sort((a, b) => {
      const [x, y] = [order(a), order(b)];
      return x[0] - y[0] || x[1].localeCompare(y[1]) || x[2].localeCompare(y[2]) || x[3] - y[3];
    });
    assert.deepEqual(spec.ports, plain(sorted));
    assert.deepEqual(spec.restart, plain(c.restart));
    assert.equal(spec.stopGracePeriod, c.stopGraceMs === null ? null : c.stopGraceMs * 1e6);
    assert.equal(spec.memLimit, c.memMiB === null ? null : c.memMiB * 1024 * 1024);
    assert.equal(spec.cpus, c.quarterCpus === null ? null : c.quarterCpus * 250_000_000);
    assert.equal(spec.init, c.init);
    const networks = c.networks.length > 0 ? [...c.networks].sort() : ['default'];
    assert.deepEqual(Object.keys(spec.networks).sort(), networks);
    for (const n of networks) assert.ok(spec.networks[n]?.aliases.includes(c.name), `alias ${c.name} on ${n}`);
  }
  for (const s of l.services) {
    const spec = desired.services[s.name]?.spec;
    assertCommon(spec, s);
    assert.equal(spec.replicas, s.replicas);
    assert.deepEqual(spec.secrets.map((r) => [r.source, r.target]), s.secretTarget === null ? [] : [['db_pw', s.secretTarget]]);
  }
}

describe('the manifest fuzzer', () => {
  test('valid manifests, however spelled, normalise to exactly what they say; two spellings give one model', async () => {
    await checkProperty(
      fc.asyncProperty(manifestArb, async ({ logical, choicesA, choicesB, styleA, styleB }) => {
        const text = render(logical, choicesA, styleA);
        const a = await load(text);
        if (!a.result.ok) assert.fail(`a valid manifest was refused:\n${a.result.issues.map((i) => `${i.line}:${i.column} ${i.message}`).join('\n')}\n--- moor.yaml\n${text}`);
        assertMeans(a.result.desired, logical);
        const b = await load(render(logical, choicesB, styleB));
        assert.ok(b.result.ok);
        assert.deepEqual(withoutLocations(b.result.desired), withoutLocations(a.result.desired));
      }),
      RUNS,
    );
  });

  // -f base.yaml -f override.yaml: mappings merge key by key, values and lists are replaced by the
  // later file. Splitting a manifest so that each key goes to one file or both (a mapping split
  // again; a value or list in both with a stand-in, of the same kind, in the first) must mean the
  // same as the one file.
  type Side = 'base' | 'override' | 'both';
  const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  function split(node: Record<string, unknown>, sides: Iterator<Side>): [Record<string, unknown>, Record<string, unknown>] {
    const base: Record<string, unknown> = {};
    const override: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      const side = sides.next().value ?? 'override';
      // null (all defaults) and {} are merged specially or carry nothing to split: kept whole.
      if (side === 'both' && value !== null && !(isMapping(value) && Object.keys(value).length === 0)) {
        if (isMapping(value)) [base[key], override[key]] = split(value, sides);
        else {
          base[key] = Array.isArray(value) ? ['stand-in'] : 'stand-in';
          override[key] = value;
        }
      } else (side === 'base' ? base : override)[key] = value;
    }
    return [base, override];
  }
  const sidesArb = fc.infiniteStream(fc.constantFrom<Side>('base', 'override', 'both'));

  test('a manifest split over two files (-f base -f override), keys in either or both, means the same as the one file', async () => {
    await checkProperty(
      fc.asyncProperty(manifestArb, sidesArb, async ({ logical, choicesA, styleA }, sides) => {
        const iterator = choicesA[Symbol.iterator]();
        const tree = spell(logical, () => iterator.next().value === true);
        const whole = await load(stringify(tree, { ...styleA, lineWidth: 0 }));
        assert.ok(whole.result.ok);
        const [base, override] = split(tree, sides[Symbol.iterator]());
        const text = { 'base.yaml': stringify(base, { ...styleA, lineWidth: 0 }), 'override.yaml': stringify(override, { ...styleA, lineWidth: 0 }) };
        const parts = await loadFiles(text);
        if (!parts.result.ok) assert.fail(`refused:\n${parts.result.issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.message}`).join('\n')}\n--- base.yaml\n${text['base.yaml']}--- override.yaml\n${text['override.yaml']}`);
        assert.deepEqual(withoutLocations(parts.result.desired), withoutLocations(whole.result.desired));
      }),
      RUNS,
    );
  });

  /** Every container gets the secret in its environment (a free-form value: never quoted). */
  const withSecretEnv = (l: Logical): Logical => ({ ...l, containers: l.containers.map((c) => ({ ...c, environment: { ...c.environment, PASSWORD: CANARY } })) });

  test('mutated as text (hostile characters, cut, duplicated, swapped or re-indented lines): never throws, never hangs, every problem positioned, no secret quoted', async () => {
    await checkProperty(
      fc.asyncProperty(manifestArb, fc.array(textMutationArb, { minLength: 1, maxLength: 4 }), async ({ logical, choicesA, styleA }, mutations) => {
        let text = render(withSecretEnv(logical), choicesA, styleA);
        for (const m of mutations) text = mutateText(text, m);
        const { result, ms } = await load(text, { X: 'fuzz-x' });
        assertWellBehaved(result, ms, ['moor.yaml']);
      }),
      RUNS * 2,
    );
  });

  // Any value may come from a variable, and a variable's value is often a secret the file never
  // holds: a message about that value quotes it as written (`"${DB_PASSWORD}"`), wherever it is.
  const asVariable = fc.record({
    path: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
    written: fc.constantFrom('${SECRET}', 'x-${SECRET}', '${SECRET}:80', '${SECRET:-d}', '${UNSET:-${SECRET}}'),
    value: fc.constantFrom(CANARY, `${CANARY}:99`, `/${CANARY}`, `${CANARY} on-failure`),
  });

  test('any value written as a variable holding the secret: never quoted with the secret in it', async () => {
    await checkProperty(
      fc.asyncProperty(manifestArb, asVariable, async ({ logical, choicesA, styleA }, variable) => {
        const iterator = choicesA[Symbol.iterator]();
        const tree = spell(logical, () => iterator.next().value === true);
        const { parent, key } = pickNode(tree, variable.path);
        if (parent === null || key === null) return;
        (parent as Record<string | number, unknown>)[key] = variable.written;
        const { result, ms } = await load(stringify(tree, { ...styleA, lineWidth: 0 }), { SECRET: variable.value });
        assertWellBehaved(result, ms, ['moor.yaml']);
      }),
      RUNS * 2,
    );
  });

  test('mutated as a tree (wrong types, unknown keys, removed keys): never throws, never hangs, every problem positioned', async () => {
    await checkProperty(
      fc.asyncProperty(manifestArb, fc.array(treeMutationArb(['image', 'x-ok', 'services', 'ports', 'extra']), { minLength: 1, maxLength: 3 }), async ({ logical, choicesA, styleA }, mutations) => {
        const iterator = choicesA[Symbol.iterator]();
        const tree = spell(withSecretEnv(logical), () => iterator.next().value === true);
        for (const m of mutations) mutateTree(tree, m);
        const { result, ms } = await load(stringify(tree, { ...styleA, lineWidth: 0 }));
        assertWellBehaved(result, ms, ['moor.yaml']);
      }),
      RUNS * 2,
    );
  });
});
