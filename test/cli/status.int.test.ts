// moor status against the real Engine: every object with its state, drift made by hand reported
// with the plan's reason, objects no longer in the manifest listed as such.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runMoor, type CliResult } from '../support/cli.js';
import { useProject } from '../support/project.js';

const run = useProject('status');

interface JsonObject {
  kind: string;
  name: string;
  engine_name: string | null;
  in_manifest: boolean;
  sync: string;
  drift: { action: string | null; reason: string; fields: { path: string; before?: unknown; after?: unknown }[] } | null;
  state: string;
  container?: { status: string; running: boolean; health: string | null; restarts: number; exit_code: number };
  service?: { mode: string; running_tasks: number; desired_tasks: number; update_state: string | null; last_task_error: string | null };
}
interface JsonStatus {
  format_version: number;
  project: string;
  objects: JsonObject[];
  summary: Record<string, number>;
}

function manifest(project: string, extra = ''): string {
  return `project: ${project}
networks:
  backend: { driver: overlay }
volumes:
  data: {}
configs:
  motd: { content: "hello\\n" }
containers:
  web:
    image: moor/busybox:latest
    command: ["sleep", "3600"]
    init: true
    volumes: ["data:/data"]
${extra}services:
  api:
    image: moor/busybox:latest
    command: ["sleep", "3600"]
    replicas: 2
    stop_grace_period: 1s
    restart_policy: { condition: on-failure }
    networks: [backend]
    configs: [{ source: motd, target: /etc/motd }]
`;
}

const all = (r: CliResult) => `${r.stdout}\n${r.stderr}`;

describe('moor status', () => {
  test('reports a container stopped by hand and a service scaled by hand as drifted, with the state and the reason', async () => {
    const name = run.newProject();
    const dir = mkdtempSync(join(tmpdir(), 'moor-status-'));
    writeFileSync(join(dir, 'moor.yaml'), manifest(name, '  tool: { image: moor/busybox:latest, command: ["sleep", "3600"], init: true }\n'));
    const moor = (...args: string[]) => runMoor(args, { cwd: dir, env: { MOOR_LOCK_DIR: join(dir, '.locks') } });

    const before = await moor('status', '--json');
    assert.equal(before.code, 0, all(before));
    assert.ok((JSON.parse(before.stdout) as JsonStatus).objects.every((o) => o.sync === 'missing'));

    assert.equal((await moor('apply', '--yes', '--wait')).code, 0);
    const clean = JSON.parse((await moor('status', '--json')).stdout) as JsonStatus;
    assert.equal(clean.format_version, 1);
    assert.deepEqual(clean.objects.filter((o) => o.sync !== 'in_sync').map((o) => `${o.kind}/${o.name}: ${o.drift?.reason ?? ''}`), []);
    assert.deepEqual(clean.objects.map((o) => `${o.kind}/${o.name}`), ['network/backend', 'network/default', 'volume/data', 'config/motd', 'container/tool', 'container/web', 'service/api']);

    // By hand: stop a container, scale the service, and drop a container from the manifest.
    await run.engine.containers.stop(`${name}_web`, { timeoutSeconds: 1 });
    const live = await run.engine.services.inspect(`${name}_api`);
    await run.engine.services.update(live.ID, live.Version.Index, { ...live.Spec, Mode: { Replicated: { Replicas: 1 } } });
    writeFileSync(join(dir, 'moor.yaml'), manifest(name));

    const r = await moor('status', '--json');
    assert.equal(r.code, 0, all(r));
    const status = JSON.parse(r.stdout) as JsonStatus;
    const get = (id: string): JsonObject => {
      const o = status.objects.find((x) => `${x.kind}/${x.name}` === id);
      assert.ok(o, `no ${id} in ${r.stdout}`);
      return o;
    };
    const web = get('container/web');
    assert.equal(web.sync, 'drifted');
    assert.equal(web.container?.status, 'exited');
    assert.equal(web.container?.running, false);
    assert.match(web.drift?.reason ?? '', /the container is exited \(exit code \d+\)/);
    const api = get('service/api');
    assert.equal(api.sync, 'drifted');
    assert.deepEqual(api.drift?.fields, [{ path: 'replicas', before: 1, after: 2 }]);
    assert.equal(api.service?.desired_tasks, 1);
    assert.equal(api.service?.mode, 'replicated');
    const tool = get('container/tool');
    assert.equal(tool.sync, 'not_in_manifest');
    assert.equal(tool.in_manifest, false);
    assert.equal(tool.container?.running, true);
    assert.equal(get('volume/data').sync, 'in_sync');
    assert.deepEqual(status.summary, { in_sync: 4, drifted: 2, missing: 0, not_in_manifest: 1 });

    const text = await moor('status', '--no-color');
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^Project \S+: 7 objects: 4 in sync, 2 drifted, 0 missing, 1 not in manifest\./);
    assert.match(text.stdout, /^container +web +\S+_web +exited \(code \d+\) +drifted: the container is exited/m);
    assert.match(text.stdout, /^service +api +\S+_api +\d\/1 tasks? running +drifted: replicas changed/m);
    assert.match(text.stdout, /^container +tool +\S+_tool +running +not in manifest/m);
  });

  test('an Engine that is not there is an error (exit 1)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moor-status-'));
    writeFileSync(join(dir, 'moor.yaml'), manifest(run.newProject()));
    const r = await runMoor(['status', '-H', 'unix:///tmp/moor-no-engine.sock'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /moor: error: .*moor-no-engine\.sock/);
  });
});
