// Removing networks and volumes that Swarm services used, against the real Engine: Swarm lets go of
// them only once the services' tasks are stopped (each given its stop grace period), and keeps the
// containers of finished tasks (its task history), which hold the volumes they mounted.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runMoor, type CliResult } from '../support/cli.js';
import { useProject } from '../support/project.js';

const run = useProject('rm');
const all = (r: CliResult) => `${r.stdout}\n${r.stderr}`;

function folder(manifest: string): { dir: string; write: (m: string) => void; moor: (...args: string[]) => Promise<CliResult> } {
  const dir = mkdtempSync(join(tmpdir(), 'moor-rm-'));
  const write = (m: string): void => writeFileSync(join(dir, 'moor.yaml'), m);
  write(manifest);
  return { dir, write, moor: (...args) => runMoor(args, { cwd: dir, env: { MOOR_LOCK_DIR: join(dir, '.locks') } }) };
}

describe('removals after Swarm services', { concurrency: true }, () => {
  test('a volume a service stopped mounting is replaced (--replace-volumes): the containers of its finished tasks, which hold it, are removed first', async () => {
    const name = run.newProject();
    const service = (mount: boolean): string => `project: ${name}
volumes:
  data: { driver_opts: { type: tmpfs, device: tmpfs, o: "size=${mount ? '1m' : '2m'}" } }
services:
  api:
    image: moor/busybox:latest
    command: ["sleep", "3600"]
    stop_grace_period: 1s
${mount ? '    volumes: ["data:/data"]\n' : ''}`;
    const p = folder(service(true));
    const first = await p.moor('apply', '--yes', '--wait', '--wait-timeout', '60s');
    assert.equal(first.code, 0, all(first));
    // The mount goes first (the plan says to), then the volume changes.
    p.write(service(false).replace('size=2m', 'size=1m'));
    const unmounted = await p.moor('apply', '--yes', '--wait', '--wait-timeout', '60s');
    assert.equal(unmounted.code, 0, all(unmounted));
    p.write(service(false));
    const replaced = await p.moor('apply', '--yes', '--replace-volumes');
    assert.equal(replaced.code, 0, all(replaced));
    assert.equal((await run.engine.volumes.inspect(`${name}_data`)).Options?.['o'], 'size=2m');
    assert.equal((await p.moor('plan', '--detailed-exitcode')).code, 0);
  });

  test('destroy waits for a network as long as the stop grace period of the services on it says', async () => {
    const name = run.newProject();
    // sleep as the task's first process ignores SIGTERM: Swarm waits the whole grace period.
    const p = folder(`project: ${name}
networks:
  backend: { driver: overlay }
services:
  api:
    image: moor/busybox:latest
    command: ["sleep", "3600"]
    init: false
    stop_grace_period: 65s
    networks: [backend]
`);
    const first = await p.moor('apply', '--yes', '--wait', '--wait-timeout', '60s');
    assert.equal(first.code, 0, all(first));
    const destroyed = await p.moor('destroy', '--yes');
    assert.equal(destroyed.code, 0, all(destroyed));
    const left = await run.engine.networks.list({ filters: { name: [`${name}_backend`] } });
    assert.deepEqual(left.filter((n) => n.Name === `${name}_backend`), []);
  });
});
