// Research E1, E2, E5 (and E4 at the command line): secrets never leave moor except to the Engine;
// objects without the project's label are never touched; files stay in the project folder; saved
// plans and locks are private; TLS is verified.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { goDown, hold, respond } from '../support/fault-proxy.js';
import { createCa, issueCertificate, startTlsForwarder } from '../support/tls.js';
import type { CliResult } from '../support/cli.js';
import { updateServiceByHand } from '../support/engine.js';
import { moorIn, outputOf, startMoor, useTrustRun } from '../support/trust.js';
import { triggeredBy, WatchProcess } from '../support/watch.js';

const run = useTrustRun('sec');

/** The secret contents: a file secret and one from an environment variable. Random, so no other output can hold them by chance. */
const FILE_SECRET = `file-secret-${randomBytes(12).toString('hex')}`;
const ENV_SECRET = `env-secret-${randomBytes(12).toString('hex')}`;

/** Every form a secret could leak in: raw, encoded, escaped, hashed without salt, and its random core alone. */
function leakForms(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const core = /[0-9a-f]{24}/.exec(secret)?.[0] ?? secret; // the random part alone
  return [
    secret,
    core,
    bytes.toString('base64'),
    bytes.toString('base64url'),
    bytes.toString('base64').slice(4, 24), // a slice of the base64, whatever its alignment
    bytes.toString('hex'),
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
    createHash('sha256').update(bytes).digest('hex'),
    createHash('sha256').update(bytes).digest('hex').slice(0, 12),
    createHash('sha256').update(bytes).digest('base64'),
  ];
}

const FORMS = [...leakForms(FILE_SECRET), ...leakForms(`${FILE_SECRET}-rotated`), ...leakForms(ENV_SECRET)];

/** Everything the scenario produced that a person or a log could see. */
const outputs: { what: string; text: string }[] = [];
function keep(what: string, r: { stdout: string; stderr: string }): void {
  outputs.push({ what: `${what} (stdout)`, text: r.stdout }, { what: `${what} (stderr)`, text: r.stderr });
}

function assertNoLeak(what: string, text: string): void {
  for (const form of FORMS) assert.ok(!text.includes(form), `${what} holds a secret (as ${JSON.stringify(form)})`);
}

function projectDir(project: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'moor-trust-sec-'));
  writeFileSync(join(dir, 'db_pw.txt'), FILE_SECRET, { mode: 0o600 });
  writeFileSync(join(dir, 'moor.yaml'), `project: ${project}
secrets:
  db_pw: { file: ./db_pw.txt }
  api_key: { environment: API_KEY }
containers:
  tool: { image: moor/busybox:latest, command: ["sleep", "3600"], init: true, stop_grace_period: 1s }
services:
  api:
    image: moor/busybox:latest
    command: ["sleep", "3600"]
    stop_grace_period: 1s
    secrets: [db_pw, { source: api_key, target: key, mode: 0400 }]
`);
  return dir;
}

describe('secret values never appear in any output (research E1)', { timeout: 300_000 }, () => {
  test('a whole scenario: validate, plan (text, JSON, saved), apply (saved, plain, --wait, --debug), status, logs, rotation, a stale plan, Engine errors, the Engine going away, moor watch (logs, health, metrics), destroy', async (t) => {
    const project = run.newProject();
    const dir = projectDir(project);
    const env = { API_KEY: ENV_SECRET };
    const moor = async (what: string, args: string[], extra: Record<string, string> = {}): Promise<CliResult> => {
      const r = await moorIn(dir, args, { ...env, ...extra });
      keep(what, r);
      return r;
    };
    assert.equal((await moor('validate', ['validate'])).code, 0);
    await moor('validate --json', ['validate', '--json']);
    writeFileSync(join(dir, 'broken.env'), `OTHER=1\nAPI_KEY="${ENV_SECRET}\nNOT A LINE ${ENV_SECRET}\n`);
    assert.equal((await moor('validate with a broken env file', ['validate', '--env-file', 'broken.env'])).code, 1);
    await moor('plan', ['plan']);
    await moor('plan --json', ['plan', '--json']);
    assert.equal((await moor('plan --out', ['plan', '--out', 'first.plan'])).code, 0);
    assert.equal(statSync(join(dir, 'first.plan')).mode & 0o777, 0o600, 'saved plans are private');
    assert.equal((await moor('apply --plan --debug', ['apply', '--plan', 'first.plan', '--debug'])).code, 0);
    assert.equal((await moor('plan --detailed-exitcode', ['plan', '--detailed-exitcode'])).code, 0);
    await moor('status', ['status']);
    await moor('status --json', ['status', '--json']);

    // Rotation of both secrets; a saved plan made stale by a changed secret.
    writeFileSync(join(dir, 'db_pw.txt'), `${FILE_SECRET}-rotated`);
    env.API_KEY = `${ENV_SECRET}-2`;
    await moor('plan (rotation)', ['plan']);
    await moor('plan --json (rotation)', ['plan', '--json']);
    assert.equal((await moor('plan --out (rotation)', ['plan', '--out', 'second.plan'])).code, 0);
    writeFileSync(join(dir, 'db_pw.txt'), `${FILE_SECRET}-rotated-again`);
    const stale = await moor('apply a stale plan', ['apply', '--plan', 'second.plan', '--debug']);
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /the content of secret db_pw changed/);
    writeFileSync(join(dir, 'db_pw.txt'), `${FILE_SECRET}-rotated`);

    // The Engine refuses the secret create, then a service update, then goes away mid-apply.
    const p = await run.proxy();
    p.add({ method: 'POST', path: '/secrets/create', on: 1, fault: respond(400, 'rpc error: code = InvalidArgument desc = secret data rejected') });
    assert.equal((await moor('apply, a secret create refused', ['apply', '--yes', '--debug', '-H', p.host])).code, 1);
    p.add({ method: 'POST', path: '/services/*/update', on: 1, fault: respond(500, 'injected') });
    assert.equal((await moor('apply, a service update refused', ['apply', '--yes', '--debug', '-H', p.host])).code, 1);
    p.add({ method: 'write', on: 1, fault: goDown() });
    writeFileSync(join(dir, 'db_pw.txt'), FILE_SECRET);
    assert.equal((await moor('apply, the Engine goes away', ['apply', '--yes', '--debug', '-H', p.host])).code, 1);
    writeFileSync(join(dir, 'db_pw.txt'), `${FILE_SECRET}-rotated`);
    assert.equal((await moor('apply --wait (rotation)', ['apply', '--yes', '--wait', '--debug'])).code, 0);
    await moor('logs of the service', ['logs', 'api']);
    // The real executable too: its uncaught-error path and process plumbing.
    keep('bin/moor plan', await startMoor(dir, ['plan', '--debug'], env).done);

    // What the Engine stores in the clear (labels, specs) must not hold the secret or an unsalted hash of it.
    for (const s of await run.direct.secrets.list({ filters: { label: [`io.moor.project=${project}`] } })) {
      assertNoLeak(`the Engine's record of secret ${s.Spec.Name}`, JSON.stringify(s));
    }
    for (const s of await run.direct.services.list({ filters: { label: [`io.moor.project=${project}`] } })) assertNoLeak(`service ${s.Spec.Name ?? ''}`, JSON.stringify(s));

    // moor watch: its JSON logs at debug level, its health and metrics, through a rotation picked
    // up from the file, a drift repaired from an event, and an Engine error.
    await p.up();
    const w = new WatchProcess(['--interval', '5m', '--listen', '127.0.0.1:0', '--debug', '-H', p.host], { cwd: dir, env: { ...env, MOOR_LOCK_DIR: join(dir, '.locks') } });
    try {
      assert.equal((await w.nextCycle('the first cycle'))['result'], 'ok', w.output);
      p.add({ method: 'POST', path: '/secrets/create', on: 1, fault: respond(500, 'injected: secret store unavailable') });
      writeFileSync(join(dir, 'db_pw.txt'), `${FILE_SECRET}-rotated-by-watch`);
      await w.waitFor('a failed cycle', (r) => r.msg === 'cycle' && r['result'] !== 'ok');
      await w.waitFor('a cycle that converges', (r) => r.msg === 'cycle' && r['result'] === 'ok' && triggeredBy(r, 'retry'), { timeoutMs: 60_000 });
      await run.direct.containers.remove(`${project}_tool`, { force: true });
      await w.waitFor('the drift repaired', (r) => r.msg === 'cycle' && triggeredBy(r, 'event') && r['result'] === 'ok', { timeoutMs: 60_000 });
      const base = await w.address();
      for (const path of ['/healthz', '/metrics']) outputs.push({ what: `watch ${path}`, text: await (await fetch(`${base}${path}`)).text() });
      outputs.push({ what: 'watch sync', text: await (await fetch(`${base}/sync`, { method: 'POST' })).text() });
    } finally {
      assert.equal((await w.stop('SIGTERM')).code, 0, w.output);
    }
    outputs.push({ what: 'moor watch logs', text: w.output });
    FORMS.push(...leakForms(`${FILE_SECRET}-rotated-by-watch`));

    assert.equal((await moor('destroy --debug', ['destroy', '--yes', '--debug'])).code, 0);
    for (const file of ['first.plan', 'second.plan']) outputs.push({ what: `saved plan ${file}`, text: readFileSync(join(dir, file), 'utf8') });
    for (const file of readdirSync(join(dir, '.locks'))) outputs.push({ what: `lock file ${file}`, text: readFileSync(join(dir, '.locks', file), 'utf8') });

    assert.ok(outputs.length >= 45, `${outputs.length} outputs`);
    for (const o of outputs) assertNoLeak(o.what, o.text);
    t.diagnostic(`${outputs.length} outputs checked for ${FORMS.length} forms of 4 secret values`);
  });
});

describe('environment values that may be secrets are "(sensitive)" in plans and status (research 3.1, 3.8)', { timeout: 180_000 }, () => {
  test('a variable\'s value, moor\'s environment for a bare key and an env_file\'s values are hidden in plan text, JSON, saved plans, apply and status; values written in the manifest are shown', async () => {
    const project = run.newProject();
    const dir = mkdtempSync(join(tmpdir(), 'moor-trust-env-'));
    const secrets = { url: `env-url-${randomBytes(12).toString('hex')}`, bare: `env-bare-${randomBytes(12).toString('hex')}`, file: `env-file-${randomBytes(12).toString('hex')}` };
    writeFileSync(join(dir, 'app.env'), `FROM_FILE=${secrets.file}\nOVERRIDDEN=${secrets.file}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'moor.yaml'), `project: ${project}
containers:
  tool:
    image: moor/busybox:latest
    command: ["sleep", "3600"]
    init: true
    stop_grace_period: 1s
    env_file: app.env
    environment:
      DB_URL: "postgres://app:\${DB_PASSWORD}@db/app"
      TOKEN:
      OVERRIDDEN: written-here
      MODE: shown-mode
services:
  api:
    image: moor/busybox:latest
    command: ["sleep", "3600"]
    stop_grace_period: 1s
    environment: ["DB_URL=postgres://app:\${DB_PASSWORD}@db/app", "MODE=shown-mode"]
`);
    const env = { DB_PASSWORD: secrets.url, TOKEN: secrets.bare };
    const seen: { what: string; text: string }[] = [];
    const moor = async (what: string, args: string[]): Promise<CliResult> => {
      const r = await moorIn(dir, args, env);
      seen.push({ what: `${what} (stdout)`, text: r.stdout }, { what: `${what} (stderr)`, text: r.stderr });
      return r;
    };
    const plan = await moor('plan', ['plan']);
    assert.match(plan.stdout, /environment: \{"DB_URL":"\(sensitive\)","FROM_FILE":"\(sensitive\)","MODE":"shown-mode","OVERRIDDEN":"written-here","TOKEN":"\(sensitive\)"\}/);
    await moor('plan --json', ['plan', '--json']);
    assert.equal((await moor('plan --out', ['plan', '--out', 'first.plan'])).code, 0);
    assert.equal((await moor('apply --plan', ['apply', '--plan', 'first.plan'])).code, 0);
    // The Engine has the real values: moor compares those, and shows a hidden one that changed as changed.
    const live = await run.direct.containers.inspect(`${project}_tool`);
    assert.ok(live.Config.Env?.includes(`DB_URL=postgres://app:${secrets.url}@db/app`));
    env.DB_PASSWORD = `${secrets.url}-2`;
    const changed = await moor('plan (a hidden value changed)', ['plan', '--json']);
    const fields = (JSON.parse(changed.stdout) as { changes: { name: string; fields: { path: string; before?: unknown; after?: unknown }[] }[] }).changes.flatMap((c) => c.fields.map((f) => ({ name: c.name, ...f })));
    assert.deepEqual(fields.filter((f) => f.path === 'environment.DB_URL').map((f) => [f.name, f.before, f.after]), [['tool', '(sensitive)', '(sensitive)'], ['api', '(sensitive)', '(sensitive)']]);
    await moor('plan --out (changed)', ['plan', '--out', 'second.plan']);
    assert.equal((await moor('apply', ['apply', '--yes'])).code, 0);
    await moor('status --json', ['status', '--json']);
    assert.equal((await moor('destroy', ['destroy', '--yes'])).code, 0);
    for (const file of ['first.plan', 'second.plan']) seen.push({ what: `saved plan ${file}`, text: readFileSync(join(dir, file), 'utf8') });
    const forms = [...leakForms(secrets.url), ...leakForms(`${secrets.url}-2`), ...leakForms(secrets.bare), ...leakForms(secrets.file)];
    for (const o of seen) for (const form of forms) assert.ok(!o.text.includes(form), `${o.what} holds an environment secret (as ${JSON.stringify(form)})`);
    assert.ok(seen.some((o) => o.text.includes('shown-mode')), 'a value written in the manifest is shown');
  });
});

describe('saved plans and locks are private (research E5)', { timeout: 120_000 }, () => {
  test('the lock file is 0600 in a 0700 folder while an apply runs', async () => {
    const dir = projectDir(run.newProject());
    const p = await run.proxy();
    const first = p.add({ method: 'write', on: 1, fault: hold('before') });
    const apply = startMoor(dir, ['apply', '--yes', '-H', p.host], { API_KEY: ENV_SECRET });
    const held = await first.held();
    try {
      const locks = join(dir, '.locks');
      assert.equal(statSync(locks).mode & 0o777, 0o700);
      const [lock] = readdirSync(locks);
      assert.ok(lock !== undefined);
      assert.equal(statSync(join(locks, lock)).mode & 0o777, 0o600);
    } finally {
      held.release();
    }
    assert.equal((await apply.done).code, 0);
  });

  test('a saved plan is not written through a symbolic link planted where it goes', async () => {
    const dir = projectDir(run.newProject());
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious\n', { mode: 0o644 });
    symlinkSync(victim, join(dir, 'plan.out'));
    const r = await moorIn(dir, ['plan', '--out', 'plan.out'], { API_KEY: ENV_SECRET });
    assert.equal(r.code, 1, outputOf(r));
    assert.match(r.stderr, /plan\.out is a symbolic link: moor does not write a plan through one/);
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
    assert.equal(statSync(victim).mode & 0o777, 0o644);
  });

  test('an existing plan file is made private again', async () => {
    const dir = projectDir(run.newProject());
    writeFileSync(join(dir, 'plan.out'), '{}', { mode: 0o644 });
    assert.equal((await moorIn(dir, ['plan', '--out', 'plan.out'], { API_KEY: ENV_SECRET })).code, 0);
    assert.equal(statSync(join(dir, 'plan.out')).mode & 0o777, 0o600);
  });
});

describe('files the manifest names stay in the project folder (research E5)', () => {
  test('../, absolute paths and symbolic links out of the folder are refused, naming the path, never its content', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'moor-trust-outside-'));
    writeFileSync(join(outside, 'stolen.txt'), FILE_SECRET);
    const dir = mkdtempSync(join(tmpdir(), 'moor-trust-files-'));
    symlinkSync(join(outside, 'stolen.txt'), join(dir, 'link.txt'));
    symlinkSync(outside, join(dir, 'linked-dir'));
    writeFileSync(join(dir, 'moor.yaml'), `project: files
secrets:
  a: { file: ../${outside.split('/').pop()}/stolen.txt }
  b: { file: ${join(outside, 'stolen.txt')} }
  c: { file: ./link.txt }
  d: { file: linked-dir/stolen.txt }
configs:
  e: { file: ./link.txt }
containers:
  web: { image: moor/busybox:latest, env_file: linked-dir/stolen.txt }
`);
    const r = await moorIn(dir, ['validate']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.split('\n').filter((l) => /leaves the project folder|is an absolute path|leads through a symbolic link/.test(l)).length, 6, r.stderr);
    assertNoLeak('validate', r.stderr);
    const allowed = await moorIn(dir, ['validate', '--allow-external-files']);
    assert.equal(allowed.code, 0, 'unless explicitly allowed');
  });

  test('a secret file every user can write is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moor-trust-files-'));
    writeFileSync(join(dir, 'pw.txt'), FILE_SECRET);
    chmodSync(join(dir, 'pw.txt'), 0o666);
    writeFileSync(join(dir, 'moor.yaml'), 'project: files\nsecrets:\n  pw: { file: ./pw.txt }\n');
    const r = await moorIn(dir, ['validate']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /"\.\/pw\.txt" is writable by every user/);
  });
});

describe('objects without the project\'s label are never modified or removed (research E2)', { timeout: 240_000 }, () => {
  test('names held by unlabelled objects and by another project: the plan is refused, nothing is written, and destroy leaves them', async () => {
    const project = run.newProject();
    const dir = projectDir(project);
    const d = run.direct;
    const mark = { 'io.moor.test': project };
    // A container and a volume nobody labelled, and a service of another moor project.
    const container = await d.containers.create({ Image: 'moor/busybox:latest', Cmd: ['sleep', '3600'], Labels: mark }, { name: `${project}_tool` });
    const network = await d.networks.create({ Name: `${project}_default`, CheckDuplicate: true, Labels: { ...mark, 'io.moor.project': `${project}-other`, 'io.moor.name': 'default' } });
    const service = await d.services.create({ Name: `${project}_api`, Labels: { ...mark, 'io.moor.project': `${project.toUpperCase()}`, 'io.moor.name': 'api' }, TaskTemplate: { ContainerSpec: { Image: 'moor/busybox:latest', Command: ['sleep', '3600'] } }, Mode: { Replicated: { Replicas: 0 } } });
    const snapshot = async (): Promise<string> =>
      JSON.stringify([(await d.containers.inspect(container.id)).Config.Labels, (await d.networks.inspect(network.id)).Labels, (await d.services.inspect(service.id)).Version.Index]);
    const before = await snapshot();
    try {
      const p = await run.proxy();
      const r = await moorIn(dir, ['apply', '--yes', '-H', p.host], { API_KEY: ENV_SECRET });
      assert.equal(r.code, 1);
      assert.match(r.stdout, new RegExp(`container ${project}_tool already exists and was not created by moor`));
      assert.match(r.stdout, new RegExp(`network ${project}_default already exists and belongs to moor project ${project}-other`));
      assert.match(r.stdout, new RegExp(`service ${project}_api already exists and belongs to moor project ${project.toUpperCase()}`));
      assert.deepEqual(p.writes(), [], 'nothing was written');
      const destroyed = await moorIn(dir, ['destroy', '--yes'], { API_KEY: ENV_SECRET });
      assert.equal(destroyed.code, 0, outputOf(destroyed));
      assert.equal(await snapshot(), before, 'the three objects are exactly as they were');
    } finally {
      await d.services.remove(service.id);
      await d.containers.remove(container.id, { force: true });
      await d.networks.remove(network.id);
    }
  });

  test("a service of the project whose label someone edits to look similar is no longer the project's: not changed, not removed", async () => {
    const project = run.newProject();
    const dir = projectDir(project);
    assert.equal((await moorIn(dir, ['apply', '--yes'], { API_KEY: ENV_SECRET })).code, 0);
    const d = run.direct;
    const live = await d.services.inspect(`${project}_api`);
    await updateServiceByHand(d, live.ID, (spec) => ({ ...spec, Labels: { ...spec.Labels, 'io.moor.project': `${project} ` } }));
    const version = (await d.services.inspect(live.ID)).Version.Index;
    try {
      const plan = await moorIn(dir, ['plan'], { API_KEY: ENV_SECRET });
      assert.equal(plan.code, 1);
      assert.match(plan.stdout, new RegExp(`service ${project}_api already exists and belongs to moor project ${project} ;`));
      // The secrets the (now foreign) service uses cannot go (the Engine refuses): the plan keeps
      // them and says why. The network it is on cannot go either: the plan refuses, naming it.
      const destroyed = await moorIn(dir, ['destroy', '--yes'], { API_KEY: ENV_SECRET });
      assert.equal(destroyed.code, 1);
      assert.match(outputOf(destroyed), new RegExp(`network ${project}_\\S+ must be removed, but services moor does not manage are attached to it \\(service ${project}_api \\(of moor project ${project} \\)\\)`));
      assert.match(destroyed.stdout, new RegExp(`secret \\S+ is no longer needed but is kept: service ${project}_api \\(of moor project ${project} \\), which moor does not manage, uses it`));
      assert.doesNotMatch(destroyed.stdout, /remove secret/);
      assert.equal((await d.services.inspect(live.ID)).Version.Index, version, 'untouched by plan, apply and destroy');
    } finally {
      await d.services.remove(live.ID);
    }
  });

  test('by design, an object carrying the exact project label is the project\'s: one not in the manifest is removed (moor keeps no inventory besides labels)', async () => {
    const project = run.newProject();
    const dir = projectDir(project);
    const forged = await run.direct.containers.create({ Image: 'moor/busybox:latest', Cmd: ['sleep', '3600'], Labels: { 'io.moor.project': project, 'io.moor.name': 'forged' } }, { name: `${project}_forged` });
    const r = await moorIn(dir, ['apply', '--yes'], { API_KEY: ENV_SECRET });
    assert.equal(r.code, 0, outputOf(r));
    assert.match(r.stdout, new RegExp(`- container forged \\(${project}_forged\\): no longer in the manifest`));
    await assert.rejects(run.direct.containers.inspect(forged.id));
  });
});

describe('TLS endpoints verify the Engine certificate (research E4)', { timeout: 120_000 }, () => {
  let certs = '';
  let port = 0;
  let server: Server | undefined;
  before(async () => {
    certs = mkdtempSync(join(tmpdir(), 'moor-trust-tls-'));
    await createCa(join(certs, 'ca'), 'moor trust CA');
    await createCa(join(certs, 'other-ca'), 'another CA');
    await issueCertificate(join(certs, 'ca'), join(certs, 'server'), 'server-', { cn: 'moor-engine', san: 'IP:127.0.0.1,DNS:localhost' });
    copyFileSync(join(certs, 'ca', 'ca.pem'), join(certs, 'server', 'ca.pem'));
    for (const [client, ca] of [['client', 'ca'], ['wrong-ca', 'other-ca']] as const) {
      await issueCertificate(join(certs, 'ca'), join(certs, client), '', { cn: 'moor-client', client: true });
      copyFileSync(join(certs, ca, 'ca.pem'), join(certs, client, 'ca.pem'));
    }
    ({ port, server } = await startTlsForwarder(join(certs, 'server'), '/var/run/docker.sock'));
  });
  after(() => {
    server?.close();
  });

  test('moor plan over TLS works with the right CA, fails with a certificate error naming the endpoint with the wrong one, and refuses plaintext to a remote host', async () => {
    const dir = projectDir(run.newProject());
    const host = `tcp://127.0.0.1:${port}`;
    const good = await moorIn(dir, ['plan', '-H', host], { API_KEY: ENV_SECRET, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: join(certs, 'client') });
    assert.equal(good.code, 0, outputOf(good));
    const bad = await startMoor(dir, ['plan', '-H', host], { API_KEY: ENV_SECRET, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: join(certs, 'wrong-ca') }).done;
    assert.equal(bad.code, 1);
    assert.ok(bad.ms < 10_000);
    assert.match(bad.stderr, new RegExp(`^moor: error: Engine at tcp://127\\.0\\.0\\.1:${port}: GET /_ping failed: TLS handshake failed: .*certificate`));
    assert.equal(bad.stdout, '');
    const zero = await moorIn(dir, ['plan', '-H', host], { API_KEY: ENV_SECRET, DOCKER_TLS_VERIFY: '0', DOCKER_CERT_PATH: join(certs, 'wrong-ca') });
    assert.equal(zero.code, 1, 'DOCKER_TLS_VERIFY=0 still verifies (any non-empty value does)');
    const plaintext = await moorIn(dir, ['plan', '-H', 'tcp://192.0.2.10:2375'], { API_KEY: ENV_SECRET });
    assert.equal(plaintext.code, 1);
    assert.match(plaintext.stderr, /refusing plaintext tcp:\/\/ to 192\.0\.2\.10/);
    const ssh = await moorIn(dir, ['plan', '-H', 'ssh://-oProxyCommand=touch${IFS}/tmp/pwned@host'], { API_KEY: ENV_SECRET });
    assert.equal(ssh.code, 1);
    assert.match(ssh.stderr, /supported endpoints are unix:\/\/\/path\/to\/docker\.sock and tcp:\/\/host:port/);
  });
});
