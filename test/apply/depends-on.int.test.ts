// depends_on conditions against the real Engine: an unhealthy dependency fails its dependants at
// once (as docker compose up), and a dependency the plan does not start is checked too.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runMoor, type CliResult } from '../support/cli.js';
import { useProject } from '../support/project.js';

const run = useProject('dep');
const all = (r: CliResult) => `${r.stdout}\n${r.stderr}`;

describe('depends_on', () => {
  test('an unhealthy dependency fails its dependant at once, on the first apply and on the next, which does not start the dependency', async () => {
    const name = run.newProject();
    const dir = mkdtempSync(join(tmpdir(), 'moor-dep-'));
    const manifest = (api: string): string => `project: ${name}
containers:
  db:
    image: moor/busybox:latest
    command: ["sleep", "3600"]
    init: true
    healthcheck: { test: ["CMD-SHELL", "echo db is not ready; exit 1"], interval: 1s, retries: 2 }
  api:
    image: moor/busybox:latest
    command: ["sleep", "3600"]
    init: true
    environment: { V: "${api}" }
    depends_on: { db: { condition: service_healthy } }
`;
    writeFileSync(join(dir, 'moor.yaml'), manifest('1'));
    const moor = (...args: string[]) => runMoor(args, { cwd: dir, env: { MOOR_LOCK_DIR: join(dir, '.locks') } });
    const started = Date.now();
    const first = await moor('apply', '--yes');
    assert.equal(first.code, 1, all(first));
    assert.match(first.stdout, /FAILED +wait for container \S+_db to be healthy: container \S+_db is unhealthy \(last check: db is not ready\); its dependants need it healthy/, first.stdout);
    assert.ok(Date.now() - started < 60_000, `failed at once, not at the end of the 5-minute wait (${Date.now() - started} ms)`);
    await assert.rejects(run.engine.containers.inspect(`${name}_api`).then((c) => (c.State.Running ? Promise.resolve() : Promise.reject(new Error('not running')))));

    // db is there and unchanged: the next apply does not start it, and still does not start api.
    const again = await moor('apply', '--yes');
    assert.equal(again.code, 1, all(again));
    assert.match(again.stdout, /container \S+_db is unhealthy/, again.stdout);
    assert.equal((await run.engine.containers.inspect(`${name}_api`)).State.Running, false, 'api was not started');
  });
});
