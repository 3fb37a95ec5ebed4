// moor plan / apply / destroy as a user runs them, against the real Engine.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { acquireProjectLock, lockDirectory, lockScope } from '../../src/apply/lock.js';
import { runMoor, spawnMoor, type CliResult } from '../support/cli.js';
import { useProject } from '../support/project.js';

const run = useProject('cli');
const CANARY = 'CANARY-7f3c9d-do-not-print';

/** A project folder with a manifest (services, a secret holding the canary) and its files. */
function projectDir(project: string, opts: { env?: string; replicas?: number; extra?: string } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'moor-cli-'));
  writeFileSync(join(dir, 'db_pw.txt'), CANARY);
  writeFileSync(join(dir, 'moor.yaml'), `project: ${project}
networks:
  backend: { driver: overlay, attachable: true }
secrets:
  db_pw: { file: ./db_pw.txt }
configs:
  motd: { content: "hello ${opts.env ?? 'one'}\\n" }
containers:
  tool:
    image: moor/busybox:latest
    command: ["sleep", "3600"]
    init: true
    environment: { STAGE: "${opts.env ?? 'one'}" }
services:
  api:
    image: moor/busybox:latest
    command: ["sleep", "3600"]
    replicas: ${opts.replicas ?? 1}
    stop_grace_period: 1s
    networks: [backend]
    secrets: [db_pw]
    configs: [{ source: motd, target: /etc/motd }]
${opts.extra ?? ''}`);
  return dir;
}

const moor = (dir: string, ...args: string[]) => runMoor(args, { cwd: dir, env: { MOOR_LOCK_DIR: join(dir, '.locks') } });
const all = (r: CliResult) => `${r.stdout}\n${r.stderr}`;
function assertNoCanary(...outputs: string[]): void {
  const forms = [CANARY, Buffer.from(CANARY).toString('base64'), Buffer.from(CANARY).toString('base64url'), encodeURIComponent(CANARY)];
  for (const out of outputs) for (const form of forms) assert.ok(!out.includes(form), `the secret leaked (as ${form})`);
}

describe('moor plan, apply and destroy', () => {
  test('plan --detailed-exitcode says 2 before apply and 0 after; apply and plan outputs never show the secret', async () => {
    const dir = projectDir(run.newProject());
    const before = await moor(dir, 'plan', '--detailed-exitcode');
    assert.equal(before.code, 2, all(before));
    assert.match(before.stdout, /^Plan for project \S+: 6 to create, 0 to update, 0 to replace, 0 to delete\./);
    assert.match(before.stdout, /content: "\(sensitive\)"/);
    const applied = await moor(dir, 'apply', '--yes');
    assert.equal(applied.code, 0, all(applied));
    assert.match(applied.stdout, /Apply complete: \d+ steps done/);
    const after = await moor(dir, 'plan', '--detailed-exitcode');
    assert.equal(after.code, 0, all(after));
    assert.match(after.stdout, /^No changes/);
    const again = await moor(dir, 'apply', '--yes');
    assert.equal(again.code, 0);
    assert.doesNotMatch(again.stdout, /Applying/);
    const json = await moor(dir, 'plan', '--json');
    assertNoCanary(all(before), all(applied), all(after), all(again), all(json));
  });

  test('plan --json follows the documented format', async () => {
    const dir = projectDir(run.newProject());
    const r = await moor(dir, 'plan', '--json');
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout) as { format_version: number; project: string; changes: { kind: string; name: string; action: string; fields: { path: string }[]; reason: string }[]; summary: Record<string, number> };
    assert.equal(plan.format_version, 1);
    assert.deepEqual(plan.summary, { create: 6, update: 0, replace: 0, delete: 0 });
    assert.deepEqual(plan.changes.map((c) => `${c.action} ${c.kind}/${c.name}`), ['create network/backend', 'create network/default', 'create secret/db_pw', 'create config/motd', 'create container/tool', 'create service/api']);
    for (const c of plan.changes) assert.equal(typeof c.reason, 'string');
  });

  test('a saved plan is applied exactly, is private (0600) and holds no secret', async () => {
    const dir = projectDir(run.newProject());
    const file = join(dir, 'plan.json');
    const planned = await moor(dir, 'plan', '--out', file);
    assert.equal(planned.code, 0, all(planned));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assertNoCanary(readFileSync(file, 'utf8'));
    const applied = await moor(dir, 'apply', '--plan', file);
    assert.equal(applied.code, 0, all(applied));
    assert.match(applied.stdout, /Apply complete/);
    assert.equal((await moor(dir, 'plan', '--detailed-exitcode')).code, 0);
  });

  test('a stale saved plan is refused and nothing is changed', async () => {
    const name = run.newProject();
    const dir = projectDir(name);
    assert.equal((await moor(dir, 'apply', '--yes')).code, 0);
    writeFileSync(join(dir, 'moor.yaml'), readFileSync(join(dir, 'moor.yaml'), 'utf8').replace('replicas: 1', 'replicas: 2'));
    const file = join(dir, 'plan.json');
    assert.equal((await moor(dir, 'plan', '--out', file)).code, 0);
    // Someone changes the service by hand between plan and apply.
    const live = await run.engine.services.inspect(`${name}_api`);
    await run.engine.services.update(live.ID, live.Version.Index, { ...live.Spec, Labels: { ...live.Spec.Labels, 'changed.by': 'hand' } });
    const version = (await run.engine.services.inspect(`${name}_api`)).Version.Index;
    const stale = await moor(dir, 'apply', '--plan', file);
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /the saved plan is stale: the project's objects on the Engine changed since it was made .*nothing was changed/);
    assert.equal((await run.engine.services.inspect(`${name}_api`)).Version.Index, version);

    // A plan made now, then a manifest edit: refused too.
    assert.equal((await moor(dir, 'plan', '--out', file)).code, 0);
    writeFileSync(join(dir, 'moor.yaml'), readFileSync(join(dir, 'moor.yaml'), 'utf8').replace('replicas: 2', 'replicas: 3'));
    const edited = await moor(dir, 'apply', '--plan', file);
    assert.equal(edited.code, 1);
    assert.match(edited.stderr, /the manifest no longer gives the same plan/);

    // And a secret whose content changed.
    writeFileSync(join(dir, 'moor.yaml'), readFileSync(join(dir, 'moor.yaml'), 'utf8').replace('replicas: 3', 'replicas: 2'));
    assert.equal((await moor(dir, 'plan', '--out', file)).code, 0);
    writeFileSync(join(dir, 'db_pw.txt'), `${CANARY}-rotated`);
    const rotated = await moor(dir, 'apply', '--plan', file);
    assert.equal(rotated.code, 1);
    assert.match(rotated.stderr, /the content of secret db_pw changed/);
    assertNoCanary(all(stale), all(edited), all(rotated));
  });

  test('apply --target changes only the target and what it needs; the rest stays pending, and the plan says so', async () => {
    const name = run.newProject();
    const dir = projectDir(name);
    assert.equal((await moor(dir, 'apply', '--yes')).code, 0);
    const api = await run.engine.services.inspect(`${name}_api`);
    const tool = await run.engine.containers.inspect(`${name}_tool`);
    writeFileSync(join(dir, 'moor.yaml'), readFileSync(join(dir, 'moor.yaml'), 'utf8').replaceAll('one', 'two'));

    const applied = await moor(dir, 'apply', '--yes', '--target', 'container/tool');
    assert.equal(applied.code, 0, all(applied));
    assert.match(applied.stdout, /^Plan for project \S+: 0 to create, 0 to update, 1 to replace, 0 to delete\.$/m, applied.stdout);
    assert.match(all(applied), /--target: only container\/tool and what it needs are planned; 2 other changes left out \(run without --target to see the whole plan\)/);
    const after = await run.engine.containers.inspect(`${name}_tool`);
    assert.notEqual(after.Id, tool.Id);
    assert.ok(after.Config.Env?.includes('STAGE=two'));
    // Its spec, not its version: Swarm bumps the version itself while it starts the tasks.
    assert.deepEqual((await run.engine.services.inspect(`${name}_api`)).Spec, api.Spec, 'the service was not touched');

    // What was left out is still to do; a target brings the config version its service moves to.
    const rest = await moor(dir, 'plan', '--detailed-exitcode', '--json');
    assert.equal(rest.code, 2, all(rest));
    const changes = (JSON.parse(rest.stdout) as { changes: { action: string; kind: string; name: string }[] }).changes.map((c) => `${c.action} ${c.kind}/${c.name}`);
    assert.deepEqual(changes, ['replace config/motd', 'update service/api']);
    const service = await moor(dir, 'apply', '--yes', '--target', 'service/api');
    assert.equal(service.code, 0, all(service));
    assert.equal((await moor(dir, 'plan', '--detailed-exitcode')).code, 0);
  });

  test('a secret\'s value used elsewhere (a label, a config, a user the Engine refuses) is hidden there too, before and after a rotation', async () => {
    const name = run.newProject();
    const dir = mkdtempSync(join(tmpdir(), 'moor-cli-'));
    writeFileSync(join(dir, 'moor.yaml'), `project: ${name}
secrets:
  db_pw: { environment: DBPW }
configs:
  app: { content: "password=\${DBPW}\\n" }
containers:
  tool:
    image: moor/busybox:latest
    command: ["sleep", "3600"]
    init: true
    labels: { pw: "\${DBPW}", tier: back }
  bad:
    image: moor/busybox:latest
    command: ["sleep", "3600"]
    user: "\${DBPW}"
`);
    const as = (value: string) => (...args: string[]) => runMoor(args, { cwd: dir, env: { MOOR_LOCK_DIR: join(dir, '.locks'), DBPW: value } });
    const first = as(CANARY);
    const file = join(dir, 'p.plan');
    const planned = await first('plan', '--out', file);
    const json = await first('plan', '--json');
    assert.equal(planned.code, 0, all(planned));
    assert.match(planned.stdout, /labels: \{"pw":"\(sensitive\)","tier":"back"\}/, planned.stdout);
    // The saved plan holds fingerprints of those values, and is still applied as planned.
    const applied = await first('apply', '--plan', file);
    assert.equal(applied.code, 1, 'the Engine refuses the user');
    assert.doesNotMatch(all(applied), /stale/);
    assert.match(applied.stdout, /ok +start container \S+_tool/, applied.stdout);
    assert.match(all(applied), /unable to find user \(sensitive\)/, all(applied));
    const status = await first('status', '--json');
    assert.equal((await run.engine.containers.inspect(`${name}_tool`)).Config.Labels?.['pw'], CANARY, 'the Engine has the real value');

    const rotated = await as(`${CANARY}-2`)('plan');
    assert.match(rotated.stdout, /labels\.pw: "\(sensitive\)" -> "\(sensitive\)"/, rotated.stdout);
    assertNoCanary(planned.stdout, planned.stderr, readFileSync(file, 'utf8'), json.stdout, applied.stdout, applied.stderr, status.stdout, rotated.stdout, rotated.stderr);
  });

  test('a service update keeps what moor does not manage (DNS, hosts, capabilities set by hand) and changes only what the plan says', async () => {
    const name = run.newProject();
    const dir = projectDir(name);
    assert.equal((await moor(dir, 'apply', '--yes')).code, 0);
    await promisify(execFile)('docker', ['service', 'update', '--detach', '--dns-add', '9.9.9.9', '--host-add', 'foo:10.0.0.1', '--cap-add', 'NET_ADMIN', `${name}_api`]);
    const nothing = await moor(dir, 'plan', '--detailed-exitcode');
    assert.equal(nothing.code, 0, `not managed by moor, so not a change: ${all(nothing)}`);

    writeFileSync(join(dir, 'moor.yaml'), readFileSync(join(dir, 'moor.yaml'), 'utf8').replace('replicas: 1', 'replicas: 2'));
    const applied = await moor(dir, 'apply', '--yes');
    assert.equal(applied.code, 0, all(applied));
    const spec = (await run.engine.services.inspect(`${name}_api`)).Spec;
    assert.equal(spec.Mode?.Replicated?.Replicas, 2);
    const container = spec.TaskTemplate.ContainerSpec as Record<string, unknown>;
    assert.deepEqual(container['DNSConfig'], { Nameservers: ['9.9.9.9'] });
    assert.deepEqual(container['Hosts'], ['10.0.0.1 foo']);
    assert.deepEqual(container['CapabilityAdd'], ['CAP_NET_ADMIN']);
    assert.equal((await moor(dir, 'plan', '--detailed-exitcode')).code, 0);
  });

  test('on a terminal, apply asks, and a "no" changes nothing', async () => {
    const name = run.newProject();
    const dir = projectDir(name);
    const declined = await runMoor(['apply'], { cwd: dir, env: { MOOR_LOCK_DIR: join(dir, '.locks') }, answer: false });
    assert.equal(declined.code, 1);
    assert.match(declined.stderr, /apply cancelled; nothing was changed/);
    assert.deepEqual(await run.engine.networks.list({ filters: { label: [`io.moor.project=${name}`] } }), []);
  });

  test('an invalid manifest is refused with its file and line, before the Engine is asked anything', async () => {
    const dir = projectDir(run.newProject(), { extra: '    imagee: typo\n' });
    const r = await moor(dir, 'apply', '--yes', '--host', 'unix:///nonexistent.sock');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /moor\.yaml:\d+:\d+: .*imagee/);
    assert.doesNotMatch(r.stderr, /nonexistent/);
  });

  test('a second apply while one holds the project lock is refused with the holder named, however the Engine is addressed', async () => {
    const name = run.newProject();
    const dir = projectDir(name);
    const scope = lockScope(await run.engine.system.info(), run.engine.endpoint);
    const lock = acquireProjectLock({ directory: lockDirectory({ MOOR_LOCK_DIR: join(dir, '.locks') }), scope, project: name, command: 'moor watch' });
    try {
      // The same Engine by three spellings of its socket (/var/run is a link to /run here).
      for (const host of [[], ['-H', 'unix:///run/docker.sock'], ['-H', 'unix:///var/run//docker.sock']]) {
        const r = await moor(dir, 'apply', '--yes', ...host);
        assert.equal(r.code, 1, `${host.join(' ')}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, new RegExp(`project ${name} is being reconciled by moor watch \\(pid ${process.pid}`));
      }
    } finally {
      lock.release();
    }
  });

  test('destroy removes the project, keeps its volumes unless --volumes, and exits 0 when there is nothing left', async () => {
    const name = run.newProject();
    const dir = projectDir(name, { extra: 'volumes:\n  data: {}\n' });
    writeFileSync(join(dir, 'moor.yaml'), readFileSync(join(dir, 'moor.yaml'), 'utf8').replace('    init: true\n', '    init: true\n    volumes: ["data:/data"]\n'));
    assert.equal((await moor(dir, 'apply', '--yes')).code, 0);
    const destroyed = await moor(dir, 'destroy', '--yes');
    assert.equal(destroyed.code, 0, all(destroyed));
    assert.match(destroyed.stdout, /Destroy complete/);
    assert.match(destroyed.stdout, /volume \S+_data is kept with its data \(moor destroy --volumes deletes it\)/);
    assert.match(destroyed.stdout, /- container \S+ \(\S+\): the project is destroyed/);
    assert.doesNotMatch(destroyed.stdout, /no longer in the manifest|--prune-volumes/);
    const volumes = await run.engine.volumes.list({ filters: { label: [`io.moor.project=${name}`] } });
    assert.equal(volumes.volumes.length, 1);
    const withVolumes = await moor(dir, 'destroy', '--project', name, '--volumes', '--yes');
    assert.equal(withVolumes.code, 0, all(withVolumes));
    assert.equal((await run.engine.volumes.list({ filters: { label: [`io.moor.project=${name}`] } })).volumes.length, 0);
    const nothing = await moor(dir, 'destroy', '--yes');
    assert.equal(nothing.code, 0);
    assert.equal(nothing.stdout, `Nothing to destroy: project ${name} has no objects on the Engine.\n`);
  });

  test('the real executable: --help, and a plan against an Engine that is not there fails fast naming the endpoint', async () => {
    const help = await spawnMoor(['--help']);
    assert.equal(help.code, 0);
    for (const c of ['plan', 'apply', 'destroy', 'validate', 'version']) assert.match(help.stdout, new RegExp(`^  ${c} `, 'm'));
    const dir = projectDir(run.newProject());
    const started = Date.now();
    const r = await spawnMoor(['plan', '-H', 'unix:///tmp/moor-no-engine.sock'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unix:\/\/\/tmp\/moor-no-engine\.sock/);
    assert.ok(Date.now() - started < 10_000);
  });
});
