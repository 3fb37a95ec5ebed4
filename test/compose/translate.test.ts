// The Compose reader, field by field: what each Compose construct becomes in moor's model, in
// each reading, checked against the exact model values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerSpec, DesiredContainer, DesiredProject, DesiredService, ServiceSpec } from '../../src/model/desired.js';
import { containerSpec, serviceSpec } from '../support/model.js';
import { Sensitive } from '../../src/model/sensitive.js';
import { formatIssue } from '../../src/manifest/issues.js';
import { composeDesired, composeIssues, loadComposeText } from './helpers.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** The spec a Compose service gives when it sets only what `over` says (the builders' defaults, no command). */
const container = (name: string, over: Partial<ContainerSpec>): ContainerSpec => containerSpec(name, { command: null, ...over });
const service = (name: string, over: Partial<ServiceSpec>): ServiceSpec => serviceSpec(name, { command: null, networks: { default: { aliases: [name] } }, ...over });

test('--as containers: web + db with env files, healthcheck-gated depends_on, published ports and named volumes', async () => {
  const { desired, warnings } = await composeDesired(
    `name: shop
services:
  db:
    image: postgres:16
    env_file: .env.db
    volumes: [pgdata:/var/lib/postgresql/data]
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U $\${POSTGRES_USER}"]
      interval: 5s
      timeout: 3s
      retries: "10"
      start_period: 10s
  web:
    image: registry.example.com/web:\${TAG:-1.0}
    command: gunicorn app:wsgi --bind 0.0.0.0:8000
    env_file:
      - .env.web
      - { path: .env.local, required: false }
    environment: { DEBUG: "false", WORKERS: 3 }
    ports: ["127.0.0.1:8000:8000"]
    depends_on:
      db: { condition: service_healthy }
    restart: unless-stopped
volumes:
  pgdata:
`,
    { extraFiles: { '.env.db': 'POSTGRES_USER=shop\n', '.env.web': 'SECRET_KEY=dev\nDEBUG=true\n' } },
  );
  assert.deepEqual(warnings, []);
  assert.equal(desired.project, 'shop');
  assert.deepEqual(Object.keys(desired.containers), ['db', 'web']);
  const db = desired.containers.db as DesiredContainer;
  const web = desired.containers.web as DesiredContainer;
  assert.equal(db.engineName, 'shop_db');
  assert.deepEqual(db.spec, container('db', {
    image: 'postgres:16',
    environment: { POSTGRES_USER: 'shop' },
    mounts: [{ type: 'volume', source: 'pgdata', target: '/var/lib/postgresql/data', readOnly: false, noCopy: false }],
    networks: { default: { aliases: ['db'], ipv4Address: null } },
    healthcheck: { test: ['CMD-SHELL', 'pg_isready -U ${POSTGRES_USER}'], interval: 5e9, timeout: 3e9, retries: 10, startPeriod: 10e9 },
  }));
  assert.deepEqual(web.spec, container('web', {
    image: 'registry.example.com/web:1.0',
    command: ['gunicorn', 'app:wsgi', '--bind', '0.0.0.0:8000'],
    environment: { DEBUG: 'false', SECRET_KEY: 'dev', WORKERS: '3' },
    ports: [{ target: 8000, published: 8000, hostIp: '127.0.0.1', protocol: 'tcp' }],
    networks: { default: { aliases: ['web'], ipv4Address: null } },
    restart: { name: 'unless-stopped', maxRetries: 0 },
  }));
  assert.deepEqual(web.dependsOn, { db: { condition: 'service_healthy' } });
  assert.deepEqual(Object.keys(desired.networks), ['default']);
  assert.equal(desired.networks.default?.external === false && desired.networks.default.spec.driver, 'bridge');
  assert.equal(desired.volumes.pgdata?.external === false && desired.volumes.pgdata.engineName, 'shop_pgdata');
});

test('--as containers: deploy.replicas gives <name>_<n> containers reachable by the service name; dependants wait for all; limits and restart_policy apply', async () => {
  const { desired, warnings } = await composeDesired(`services:
  worker:
    image: ghcr.io/example/worker:1
    networks: [jobs]
    deploy:
      replicas: 3
      resources: { limits: { cpus: "0.5", memory: 512M } }
      restart_policy: { condition: on-failure, max_attempts: 5 }
  api:
    image: ghcr.io/example/api:1
    networks: [jobs]
    depends_on: [worker]
    deploy:
      restart_policy: { condition: any }
networks:
  jobs: {}
`);
  assert.deepEqual(warnings, []);
  assert.deepEqual(Object.keys(desired.containers), ['api', 'worker_1', 'worker_2', 'worker_3']);
  for (const n of [1, 2, 3]) {
    const w = desired.containers[`worker_${n}`] as DesiredContainer;
    assert.equal(w.engineName, `app_worker_${n}`);
    assert.deepEqual(w.spec, container(`worker_${n}`, {
      image: 'ghcr.io/example/worker:1',
      networks: { jobs: { aliases: ['worker', `worker_${n}`], ipv4Address: null } },
      restart: { name: 'on-failure', maxRetries: 5 },
      memLimit: 512 * MiB,
      cpus: 5e8,
    }));
  }
  const api = desired.containers.api as DesiredContainer;
  assert.deepEqual(api.spec.restart, { name: 'always', maxRetries: 0 });
  assert.deepEqual(api.dependsOn, { worker_1: { condition: 'service_started' }, worker_2: { condition: 'service_started' }, worker_3: { condition: 'service_started' } });
});

test('--as containers: a service that gives replicas, 1 included, numbers its containers, so scaling 1 -> 2 -> 1 keeps <name>_1 as it is; one without keeps its plain name', async () => {
  const at = async (replicas: string): Promise<DesiredProject> =>
    (await composeDesired(`services:\n  whoami:\n    image: traefik/whoami:v1.10\n${replicas}  web:\n    image: x/web:1\n    depends_on: [whoami]\n`)).desired;
  const one = await at('    deploy: { replicas: 1 }\n');
  const two = await at('    scale: 2\n');
  assert.deepEqual(Object.keys(one.containers), ['web', 'whoami_1']);
  assert.deepEqual(Object.keys(two.containers), ['web', 'whoami_1', 'whoami_2']);
  assert.deepEqual(two.containers.whoami_1, one.containers.whoami_1, 'the replica that stays is unchanged');
  const first = one.containers.whoami_1 as DesiredContainer;
  assert.equal(first.engineName, 'app_whoami_1');
  assert.deepEqual(first.spec.networks, { default: { aliases: ['whoami', 'whoami_1'], ipv4Address: null } });
  assert.deepEqual((one.containers.web as DesiredContainer).dependsOn, { whoami_1: { condition: 'service_started' } });
  assert.deepEqual(Object.keys((await at('')).containers), ['web', 'whoami']);
});

test('--as services: every deploy: field maps onto the Swarm service (stack deploy semantics: labels on containers, deploy.labels on the service)', async () => {
  const { desired } = await composeDesired(
    `services:
  api:
    image: ghcr.io/example/api:4.2.0
    ports:
      - { target: "8080", published: 8080, protocol: tcp, mode: ingress }
      - { target: 9100, published: 9100, mode: host }
    labels: { com.example.component: api }
    stop_grace_period: 30s
    read_only: "true"
    networks: [backend]
    deploy:
      mode: replicated
      replicas: "3"
      endpoint_mode: vip
      labels: { com.example.team: payments }
      update_config: { parallelism: 2, delay: 10s, failure_action: rollback, monitor: 30s, max_failure_ratio: 0.1, order: start-first }
      rollback_config: { parallelism: 0, order: stop-first }
      restart_policy: { condition: on-failure, delay: 5s, max_attempts: 3, window: 120s }
      placement:
        constraints: [node.role == worker, node.labels.zone != dmz]
        preferences: [{ spread: node.labels.zone }]
        max_replicas_per_node: 2
      resources:
        limits: { cpus: "1.5", memory: 1G, pids: 512 }
        reservations: { cpus: "0.25", memory: 256M }
  agent:
    image: ghcr.io/example/agent:1
    mem_limit: 64m
    mem_reservation: 32m
    cpus: 0.25
    pids_limit: 100
    restart: always
    tmpfs: [/run, "/cache:size=16m,mode=1777"]
    logging: { driver: json-file, options: { max-size: 1m, max-file: 3 } }
    deploy:
      mode: global
networks:
  backend: {}
`,
    { reading: 'services' },
  );
  assert.deepEqual(Object.keys(desired.containers), []);
  const api = desired.services.api as DesiredService;
  assert.deepEqual(api.spec, service('api', {
    image: 'ghcr.io/example/api:4.2.0',
    ports: [
      { target: 8080, published: 8080, protocol: 'tcp', mode: 'ingress' },
      { target: 9100, published: 9100, protocol: 'tcp', mode: 'host' },
    ],
    networks: { backend: { aliases: ['api'] } },
    replicas: 3,
    updateConfig: { parallelism: 2, delay: 10e9, failureAction: 'rollback', monitor: 30e9, maxFailureRatio: 0.1, order: 'start-first' },
    rollbackConfig: { parallelism: 0, delay: 0, failureAction: 'pause', monitor: 5e9, maxFailureRatio: 0, order: 'stop-first' },
    restartPolicy: { condition: 'on-failure', delay: 5e9, maxAttempts: 3, window: 120e9 },
    placement: { constraints: ['node.labels.zone != dmz', 'node.role == worker'], preferences: [{ spread: 'node.labels.zone' }], maxReplicas: 2 },
    resources: { limits: { cpus: 1.5e9, memory: GiB, pids: 512 }, reservations: { cpus: 2.5e8, memory: 256 * MiB } },
    labels: { 'com.example.team': 'payments' },
    containerLabels: { 'com.example.component': 'api' },
    stopGracePeriod: 30e9,
    readOnly: true,
  }));
  const agent = desired.services.agent as DesiredService;
  assert.deepEqual(agent.spec, service('agent', {
    image: 'ghcr.io/example/agent:1',
    mounts: [
      { type: 'tmpfs', target: '/cache', size: 16 * MiB, mode: 0o1777 },
      { type: 'tmpfs', target: '/run', size: null, mode: null },
    ],
    mode: 'global',
    replicas: null,
    restartPolicy: { condition: 'any', delay: null, maxAttempts: null, window: null },
    resources: { limits: { cpus: 2.5e8, memory: 64 * MiB, pids: 100 }, reservations: { cpus: null, memory: 32 * MiB } },
    logging: { driver: 'json-file', options: { 'max-file': '3', 'max-size': '1m' } },
  }));
  assert.deepEqual(desired.networks.backend?.external === false && desired.networks.backend.spec.driver, 'overlay');
});

test('--as services: restart: becomes restart_policy as docker stack deploy converts it; deploy.restart_policy wins, with a warning', async () => {
  const { desired, warnings } = await composeDesired(
    `services:
  a: { image: x/a:1, restart: "no" }
  b: { image: x/b:1, restart: unless-stopped }
  c: { image: x/c:1, restart: "on-failure:4" }
  d:
    image: x/d:1
    restart: always
    deploy: { restart_policy: { condition: none } }
`,
    { reading: 'services' },
  );
  const policy = (name: string): unknown => (desired.services[name] as DesiredService).spec.restartPolicy;
  assert.deepEqual(policy('a'), { condition: 'none', delay: null, maxAttempts: null, window: null });
  assert.deepEqual(policy('b'), { condition: 'any', delay: null, maxAttempts: null, window: null });
  assert.deepEqual(policy('c'), { condition: 'on-failure', delay: null, maxAttempts: 4, window: null });
  assert.deepEqual(policy('d'), { condition: 'none', delay: null, maxAttempts: null, window: null });
  assert.deepEqual(warnings, ['compose.yaml:7:5: warning: services.d.restart: ignored: deploy.restart_policy gives the restart policy (as docker stack deploy reads it)']);
});

test('--as containers: file secrets and configs become read-only bind mounts where Compose puts them', async () => {
  const { desired, warnings } = await composeDesired(
    `services:
  db:
    image: postgres:16
    secrets: [db_pw, { source: db_user, target: user }, { source: db_pw, target: /etc/pw }]
    configs: [pg_conf, { source: pg_conf, target: /etc/postgresql.conf }]
secrets:
  db_pw: { file: ./secrets/pw.txt }
  db_user: { file: user.txt }
configs:
  pg_conf: { file: ./pg.conf }
`,
    { extraFiles: { 'secrets/pw.txt': 'pw', 'user.txt': 'u', 'pg.conf': 'x=1' } },
  );
  assert.deepEqual(warnings, []);
  assert.deepEqual(Object.keys(desired.secrets), []);
  const mounts = (desired.containers.db as DesiredContainer).spec.mounts.map((m) => (m.type === 'bind' ? { ...m, source: m.source.replace(/^.*\/app\//, '') } : m));
  assert.deepEqual(mounts, [
    { type: 'bind', source: 'pg.conf', target: '/etc/postgresql.conf', readOnly: true },
    { type: 'bind', source: 'secrets/pw.txt', target: '/etc/pw', readOnly: true },
    { type: 'bind', source: 'pg.conf', target: '/pg_conf', readOnly: true },
    { type: 'bind', source: 'secrets/pw.txt', target: '/run/secrets/db_pw', readOnly: true },
    { type: 'bind', source: 'user.txt', target: '/run/secrets/user', readOnly: true },
  ]);
});

test('--as services: secrets and configs are Swarm objects (files, environment variables, inline content, external)', async () => {
  const { desired } = await composeDesired(
    `name: vault
services:
  app:
    image: x/app:1
    secrets: [pw, { source: token, target: api.token, mode: 0400, uid: "1000" }, tls]
    configs: [{ source: motd, target: /etc/motd }, banner]
secrets:
  pw: { file: ./pw.txt }
  token: { environment: API_TOKEN }
  tls: { external: true, name: shared_tls }
configs:
  motd: { content: "welcome to \${COMPOSE_PROJECT_NAME}" }
  banner: { environment: BANNER }
`,
    { reading: 'services', env: { API_TOKEN: 'tok', BANNER: 'hi' }, extraFiles: { 'pw.txt': 'pw' } },
  );
  assert.deepEqual(desired.secrets.pw, { kind: 'secret', name: 'pw', external: false, source: { type: 'file', path: 'pw.txt' }, data: new Sensitive(new TextEncoder().encode('pw')), spec: { labels: {} } });
  assert.deepEqual(desired.secrets.token, { kind: 'secret', name: 'token', external: false, source: { type: 'environment', variable: 'API_TOKEN' }, data: new Sensitive(new TextEncoder().encode('tok')), spec: { labels: {} } });
  assert.deepEqual(desired.secrets.tls, { kind: 'secret', name: 'tls', external: true, engineName: 'shared_tls' });
  assert.deepEqual(desired.configs.motd, { kind: 'config', name: 'motd', external: false, source: { type: 'content' }, data: new TextEncoder().encode('welcome to vault'), spec: { labels: {} } });
  assert.deepEqual(desired.configs.banner, { kind: 'config', name: 'banner', external: false, source: { type: 'content' }, data: new TextEncoder().encode('hi'), spec: { labels: {} } });
  const spec = (desired.services.app as DesiredService).spec;
  assert.deepEqual(spec.secrets, [
    { source: 'token', target: 'api.token', uid: '1000', gid: '0', mode: 0o400 },
    { source: 'pw', target: 'pw', uid: '0', gid: '0', mode: 0o444 },
    { source: 'tls', target: 'tls', uid: '0', gid: '0', mode: 0o444 },
  ]);
  assert.deepEqual(spec.configs, [
    { source: 'banner', target: '/banner', uid: '0', gid: '0', mode: 0o444 },
    { source: 'motd', target: '/etc/motd', uid: '0', gid: '0', mode: 0o444 },
  ]);
});

test('the project name: -p, else COMPOSE_PROJECT_NAME, else name:, else the folder name made valid', async () => {
  const file = 'name: from-file\nservices:\n  a: { image: x/a:1 }\n';
  assert.equal((await composeDesired(file, { projectName: 'from-flag', env: { COMPOSE_PROJECT_NAME: 'from-env' } })).desired.project, 'from-flag');
  assert.equal((await composeDesired(file, { env: { COMPOSE_PROJECT_NAME: 'from-env' } })).desired.project, 'from-env');
  assert.equal((await composeDesired(file)).desired.project, 'from-file');
  assert.equal((await composeDesired('services:\n  a: { image: x/a:1 }\n', {}, '-My_App.v2')).desired.project, 'my_appv2');
  const r = await loadComposeText('services:\n  a: { image: x/a:1 }\n', { extraFiles: { '.env': 'COMPOSE_PROJECT_NAME=dotenv\n' } });
  assert.equal(r.ok && r.desired.project, 'dotenv');
});

test('profiles: --profile wins over COMPOSE_PROFILES; "*" selects all; services without profiles always run', async () => {
  const file = `services:
  app: { image: x/app:1 }
  dbg: { image: x/dbg:1, profiles: [debug] }
  mail: { image: x/mail:1, profiles: [mail, debug] }
`;
  const names = async (options: Parameters<typeof composeDesired>[1]): Promise<string[]> => Object.keys((await composeDesired(file, options)).desired.containers);
  assert.deepEqual(await names({}), ['app']);
  assert.deepEqual(await names({ env: { COMPOSE_PROFILES: 'mail' } }), ['app', 'mail']);
  assert.deepEqual(await names({ env: { COMPOSE_PROFILES: 'mail' }, profiles: ['debug'] }), ['app', 'dbg', 'mail']);
  assert.deepEqual(await names({ profiles: ['*'] }), ['app', 'dbg', 'mail']);
});

test('a service whose profile is not selected: the warning says that what an earlier apply made of it is removed, in either reading', async () => {
  const file = 'services:\n  app: { image: x/app:1 }\n  worker: { image: x/worker:1, profiles: [jobs] }\n';
  assert.deepEqual((await composeDesired(file)).warnings, [
    'compose.yaml:3:3: warning: services.worker: not deployed, and its containers are removed if an earlier apply made them (docker compose up would leave them): its profile (jobs) is not selected (select with --profile jobs, or COMPOSE_PROFILES)',
  ]);
  assert.deepEqual((await composeDesired(file, { reading: 'services' })).warnings, [
    'compose.yaml:3:3: warning: services.worker: not deployed, and its Swarm service is removed if an earlier apply made it: its profile (jobs) is not selected (select with --profile jobs, or COMPOSE_PROFILES)',
  ]);
});

test('several files merge with Compose rules: ports and volumes by their key, environment and labels as maps, command replaced, !reset and !override', async () => {
  const r = await loadComposeText(
    `services:
  web:
    image: x/web:1
    command: [web, --port, "80"]
    ports: ["8080:80", "9000:9000"]
    volumes: [data:/data, ./a:/srv/a]
    environment: [A=1, B=2]
    labels: { tier: web }
    networks: [front]
    dns: [1.1.1.1]
volumes: { data: {}, other: {} }
networks: { front: {}, back: {} }
`,
    {
      files: ['compose.yaml', 'override.yaml'],
      extraFiles: {
        'override.yaml': `services:
  web:
    command: [web, --debug]
    ports: ["8080:80", "9001:9001"]
    volumes: [other:/data]
    environment: { B: "3", C: "4" }
    labels: [owner=ops]
    networks: { back: { aliases: [w] } }
    dns: !override [9.9.9.9]
    cap_add: !reset [NET_ADMIN]
`,
        a: '',
      },
    },
  );
  assert.ok(r.ok, r.ok ? '' : r.issues.map((i) => i.message).join('\n'));
  const spec = (r.desired.containers.web as DesiredContainer).spec;
  assert.deepEqual(spec.command, ['web', '--debug']);
  assert.deepEqual(spec.ports.map((p) => p.published), [8080, 9000, 9001]);
  assert.deepEqual(spec.mounts.map((m) => `${m.type}:${m.type === 'tmpfs' ? '' : m.source.replace(/^.*\/app\//, '')}:${m.target}`), ['volume:other:/data', 'bind:a:/srv/a']);
  assert.deepEqual(spec.environment, { A: '1', B: '3', C: '4' });
  assert.deepEqual(spec.labels, { owner: 'ops', tier: 'web' });
  assert.deepEqual(spec.networks, { back: { aliases: ['w', 'web'], ipv4Address: null }, front: { aliases: ['web'], ipv4Address: null } });
  assert.deepEqual(spec.dns, ['9.9.9.9']);
  assert.deepEqual(spec.capAdd, []);
});

test('several files: a field that takes a string or a list, written as a string in both files, is appended like a list (env_file, dns, tmpfs), as in Compose', async () => {
  const { desired } = await composeDesired(
    `services:
  web:
    image: x/web:1
    env_file: a.env
    dns: 1.1.1.1
    tmpfs: /run
`,
    {
      files: ['compose.yaml', 'override.yaml'],
      extraFiles: { 'override.yaml': 'services:\n  web:\n    env_file: b.env\n    dns: 9.9.9.9\n    tmpfs: /cache\n', 'a.env': 'A=1\nB=a\n', 'b.env': 'B=b\n' },
    },
  );
  const spec = (desired.containers.web as DesiredContainer).spec;
  assert.deepEqual(spec.environment, { A: '1', B: 'b' });
  assert.deepEqual(spec.dns, ['1.1.1.1', '9.9.9.9']);
  assert.deepEqual(Object.keys(spec.tmpfs).sort(), ['/cache', '/run']);
});

test('extends: a field that takes a string or a list, written as a string in the base and in the extending service, gets both', async () => {
  const { desired } = await composeDesired(
    `services:
  base: { image: x/web:1, env_file: a.env, dns: 1.1.1.1 }
  web: { extends: base, env_file: b.env, dns: 9.9.9.9 }
`,
    { extraFiles: { 'a.env': 'A=1\n', 'b.env': 'B=2\n' } },
  );
  const spec = (desired.containers.web as DesiredContainer).spec;
  assert.deepEqual(spec.environment, { A: '1', B: '2' });
  assert.deepEqual(spec.dns, ['1.1.1.1', '9.9.9.9']);
});

test('x- extension fields are not interpolated: an unset variable there (top level, in a service, a network, a port) does not fail the file', async () => {
  const { desired } = await composeDesired(`x-other-tool:
  token: \${SOME_CI_TOKEN}
services:
  web:
    image: x/web:1
    x-meta:
      owner: \${OWNER}
    ports: [{ target: 80, published: 8080, x-note: "\${NOTE}" }]
    labels: { x-team: "\${TEAM}" }
networks:
  default: { x-why: "\${WHY}" }
`, { env: { TEAM: 'ops' } });
  // An x- key that names data (a label) is no extension field: it is interpolated.
  assert.deepEqual((desired.containers.web as DesiredContainer).spec.labels, { 'x-team': 'ops' });
  assert.match(await composeIssues('services:\n  web:\n    image: x/web:1\n    labels: { x-team: "${TEAM}" }\n').then((i) => i.join('\n')), /^compose\.yaml:4:23: services\.web\.labels\.x-team: the variable TEAM is not set/);
});

test('x- extension fields: a value an x- anchor lends to a real field is interpolated and checked there', async () => {
  const yaml = `x-common: &common
  image: "x/web:\${TAG}"
  environment:
    TOKEN: \${TOKEN}
services:
  web:
    <<: *common
`;
  const { desired } = await composeDesired(yaml, { env: { TAG: '2', TOKEN: 't' } });
  const spec = (desired.containers.web as DesiredContainer).spec;
  assert.equal(spec.image, 'x/web:2');
  assert.deepEqual(spec.environment, { TOKEN: 't' });
  const issues = await composeIssues(yaml, { env: { TOKEN: 't' } });
  assert.equal(issues.length, 1);
  assert.match(issues[0] as string, /^compose\.yaml:2:10: services\.web\.image: the variable TAG is not set/);
});

test('extends: a service from another file is merged under the extending one; its relative paths stay its own', async () => {
  const { desired } = await composeDesired(
    `services:
  web:
    extends: { file: base/common.yaml, service: base }
    environment: { B: "2" }
    volumes: [./local:/local]
`,
    { extraFiles: { 'base/common.yaml': 'services:\n  base:\n    image: x/base:1\n    environment: { A: "1" }\n    volumes: [./conf:/conf]\n', 'base/conf': '', local: '' } },
  );
  const spec = (desired.containers.web as DesiredContainer).spec;
  assert.equal(spec.image, 'x/base:1');
  assert.deepEqual(spec.environment, { A: '1', B: '2' });
  assert.deepEqual(spec.mounts.map((m) => (m.type === 'bind' ? m.source.replace(/^.*\/app\//, '') : '')), ['base/conf', 'local']);
});

test('include: an included project brings its services, its relative paths and its .env (the project environment wins)', async () => {
  const { desired } = await composeDesired(
    `include: [sub/compose.yaml]
services:
  app: { image: x/app:1, depends_on: [metrics] }
`,
    {
      env: { LEVEL: 'debug' },
      extraFiles: {
        'sub/compose.yaml': 'services:\n  metrics:\n    image: x/metrics:${TAG}\n    environment: { LEVEL: "${LEVEL}" }\n    volumes: [./m.yml:/etc/m.yml:ro]\n',
        'sub/.env': 'TAG=2\nLEVEL=info\n',
        'sub/m.yml': '',
      },
    },
  );
  const metrics = (desired.containers.metrics as DesiredContainer).spec;
  assert.equal(metrics.image, 'x/metrics:2');
  assert.deepEqual(metrics.environment, { LEVEL: 'debug' });
  assert.match(metrics.mounts[0]?.type === 'bind' ? metrics.mounts[0].source : '', /\/app\/sub\/m\.yml$/);
  assert.deepEqual((desired.containers.app as DesiredContainer).dependsOn, { metrics: { condition: 'service_started' } });
});

test('include: a name the including file defines identically (once each file is interpolated with its variables, relative paths naming the same files) is accepted, as in Compose; a different definition is still refused', async () => {
  const sub = `services:
  metrics:
    environment: { LEVEL: "\${LEVEL}" }
    image: x/metrics:\${TAG}
    volumes: [../conf/m.yml:/etc/m.yml:ro, ./data:/data]
    env_file: m.env
networks:
  back: { driver: bridge }
volumes:
  cache: {}
configs:
  conf: { file: ./m.env }
`;
  const root = (data: string, tag = '2'): string => `include: [sub/compose.yaml]
services:
  metrics:
    image: x/metrics:${tag}
    environment: { LEVEL: info }
    volumes: [./conf/m.yml:/etc/m.yml:ro, ${data}:/data]
    env_file: sub/m.env
  app: { image: x/app:1, networks: [back], volumes: [cache:/cache] }
networks:
  back: { driver: bridge }
volumes:
  cache: {}
configs:
  conf: { file: sub/m.env }
`;
  const extraFiles = { 'sub/compose.yaml': sub, 'sub/.env': 'TAG=2\nLEVEL=info\n', 'sub/m.env': 'A=1\n', 'conf/m.yml': '', 'sub/data/x': '', 'data/x': '' };
  const { desired } = await composeDesired(root('./sub/data'), { extraFiles });
  const metrics = (desired.containers.metrics as DesiredContainer).spec;
  assert.equal(metrics.image, 'x/metrics:2');
  assert.deepEqual(metrics.environment, { A: '1', LEVEL: 'info' });
  assert.deepEqual(metrics.mounts.map((m) => (m.type === 'bind' ? m.source.replace(/^.*\/app\//, '') : '')), ['sub/data', 'conf/m.yml']);
  assert.deepEqual(Object.keys(desired.networks), ['back', 'default']);
  // ./data here is not ./data of sub/compose.yaml (sub/data); another value (the tag) is another definition.
  const message = 'services.metrics: is also defined by the included file sub/compose.yaml (sub/compose.yaml:2:3): rename one of them';
  assert.deepEqual(await composeIssues(root('./data'), { extraFiles }), [`compose.yaml:3:3: ${message}`]);
  assert.deepEqual(await composeIssues(root('./sub/data', '3'), { extraFiles }), [`compose.yaml:3:3: ${message}`]);
});

test('extends: {file} in an included file reads that file with the variables of the included file (its .env under the project environment), as Compose does', async () => {
  const extraFiles = {
    'sub/compose.yaml': 'services:\n  web:\n    extends: { file: base.yaml, service: base }\n',
    'sub/base.yaml': 'services:\n  base:\n    image: x/base:${TAG}\n    environment: { LEVEL: "${LEVEL}" }\n',
    'sub/.env': 'TAG=2\nLEVEL=info\n',
  };
  const { desired } = await composeDesired('include: [sub/compose.yaml]\n', { env: { LEVEL: 'debug' }, extraFiles });
  const web = (desired.containers.web as DesiredContainer).spec;
  assert.equal(web.image, 'x/base:2');
  assert.deepEqual(web.environment, { LEVEL: 'debug' });
  // The project's own files do not see the included file's variables.
  const issues = await composeIssues('include: [sub/compose.yaml]\nservices:\n  app:\n    extends: { file: sub/base.yaml, service: base }\n', { env: { LEVEL: 'debug' }, extraFiles });
  assert.equal(issues.length, 1);
  assert.match(issues[0] as string, /^sub\/base\.yaml:3:12: .*TAG/);
});

test('extends: a service may extend one that an included file brings, as in Compose (a file\'s include: is applied before its extends:): its values are merged under the extending service, its relative paths stay those of its own folder', async () => {
  const extraFiles = {
    'sub/compose.yaml': 'services:\n  metrics:\n    image: x/metrics:${TAG}\n    environment: { A: "1", LEVEL: "${LEVEL}" }\n    env_file: m.env\n    volumes: [./conf:/conf]\n    ports: ["9100:9100"]\n',
    'sub/.env': 'TAG=2\nLEVEL=info\n',
    'sub/m.env': 'FROM_FILE=sub\n',
    'sub/conf': '',
    local: '',
  };
  const { desired } = await composeDesired(
    `include: [sub/compose.yaml]
services:
  app:
    extends: metrics
    environment: { B: "2" }
    volumes: [./local:/local]
    ports: !override ["8080:80"]
`,
    { env: { LEVEL: 'debug' }, extraFiles },
  );
  const app = (desired.containers.app as DesiredContainer).spec;
  assert.equal(app.image, 'x/metrics:2');
  assert.deepEqual(app.environment, { A: '1', B: '2', FROM_FILE: 'sub', LEVEL: 'debug' });
  assert.deepEqual(app.mounts.map((m) => (m.type === 'bind' ? m.source.replace(/^.*\/app\//, '') : '')), ['sub/conf', 'local']);
  assert.deepEqual(app.ports.map((p) => p.published), [8080]);
  // The included service itself is unchanged.
  const metrics = (desired.containers.metrics as DesiredContainer).spec;
  assert.deepEqual(metrics.environment, { A: '1', FROM_FILE: 'sub', LEVEL: 'debug' });
  assert.deepEqual(metrics.ports.map((p) => p.published), [9100]);
});

test('extends: a chain may go through a service an included file brings: one of the file extends another that extends the included one, itself built on a base of its own folder', async () => {
  const { desired } = await composeDesired(
    `include:
  - path: sub/compose.yaml
services:
  worker:
    extends: { service: app }
    command: [work]
  app:
    extends: { service: metrics }
    environment: { B: "2" }
`,
    {
      extraFiles: {
        'sub/compose.yaml': 'include: [deep/compose.yaml]\nservices:\n  metrics:\n    extends: { file: base.yaml, service: base }\n    environment: { A: "1" }\n  helper:\n    extends: deep\n',
        'sub/base.yaml': 'services:\n  base:\n    image: x/base:1\n    volumes: [./conf:/conf]\n',
        'sub/deep/compose.yaml': 'services:\n  deep:\n    image: x/deep:1\n    volumes: [./data:/data]\n',
        'sub/conf': '',
        'sub/deep/data/x': '',
      },
    },
  );
  const source = (spec: ContainerSpec): string[] => spec.mounts.map((m) => (m.type === 'bind' ? m.source.replace(/^.*\/app\//, '') : ''));
  const worker = (desired.containers.worker as DesiredContainer).spec;
  assert.equal(worker.image, 'x/base:1');
  assert.deepEqual(worker.command, ['work']);
  assert.deepEqual(worker.environment, { A: '1', B: '2' });
  assert.deepEqual(source(worker), ['sub/conf']);
  // An included file's services may extend what that file includes, too.
  const helper = (desired.containers.helper as DesiredContainer).spec;
  assert.equal(helper.image, 'x/deep:1');
  assert.deepEqual(source(helper), ['sub/deep/data']);
  assert.deepEqual(Object.keys(desired.containers).sort(), ['app', 'deep', 'helper', 'metrics', 'worker']);
});

test('extends: a service defined neither in its file nor in what the file includes is an error naming both; a file: is read as it is, without what it includes, as in Compose', async () => {
  const extraFiles = {
    'sub/compose.yaml': 'include: [deep.yaml]\nservices:\n  metrics: { image: x/metrics:1 }\n',
    'sub/deep.yaml': 'services:\n  deep: { image: x/deep:1 }\n',
  };
  const issues = await composeIssues(
    `include: [sub/compose.yaml]
services:
  a: { extends: nope }
  b: { extends: { file: sub/compose.yaml, service: deep } }
  c: { extends: { service: a } }
`,
    { extraFiles },
  );
  assert.deepEqual(issues, [
    'compose.yaml:3:17: services.a.extends: extends the service "nope", which is not defined in this file or in the files it includes',
    'compose.yaml:4:52: services.b.extends: extends the service "deep", which is not defined in sub/compose.yaml',
  ]);
  // An included file's services do not see the including file's.
  const reverse = await composeIssues('include: [sub/compose.yaml]\nservices:\n  main: { image: x/main:1 }\n', {
    extraFiles: { 'sub/compose.yaml': 'services:\n  metrics: { extends: main }\n' },
  });
  assert.deepEqual(reverse, ['sub/compose.yaml:2:23: services.metrics.extends: extends the service "main", which is not defined in this file']);
});

test('messages about translated values name the Compose path and its position, not moor\'s', async () => {
  const issues = await composeIssues(`services:
  web:
    image: x/web:1
    deploy:
      replicas: 2
      resources: { limits: { memory: lots } }
  api:
    image: x/api:1
    ports: ["99999"]
    labels: { io.moor.owner: me }
    deploy: { replicas: 2 }
`, { reading: 'containers' });
  assert.deepEqual(issues, [
    'compose.yaml:6:38: services.web.deploy.resources.limits.memory: must be a number of bytes or a size such as "256m" or "1g" (units b, k, m, g) (got "lots")',
    'compose.yaml:9:13: services.api.ports[0]: container port 99999 is out of range (1-65535)',
    'compose.yaml:10:15: services.api.labels["io.moor.owner"]: the label prefix "io.moor." is reserved for moor\'s own labels',
  ]);
  const swarm = await composeIssues('services:\n  api:\n    image: x/api:1\n    labels: { io.moor.x: y }\n    deploy: { replicas: -1 }\n', { reading: 'services' });
  assert.deepEqual(swarm, [
    'compose.yaml:4:15: services.api.labels["io.moor.x"]: the label prefix "io.moor." is reserved for moor\'s own labels',
    'compose.yaml:5:25: services.api.deploy.replicas: must be a whole number of replicas (0 or more)',
  ]);
});

test('x- extension fields and version: are accepted without a word; anchors and merge keys work', async () => {
  const { desired, warnings } = await composeDesired(`version: "3.9"
x-env: &env { TZ: UTC }
services:
  a:
    image: x/a:1
    environment: *env
    x-owner: team-a
`);
  assert.deepEqual(warnings, []);
  assert.deepEqual((desired.containers.a as DesiredContainer).spec.environment, { TZ: 'UTC' });
});

test('depends_on required: false skips a missing dependency with a warning; links imply start order', async () => {
  const { desired, warnings } = await composeDesired(`services:
  a:
    image: x/a:1
    links: [b]
    depends_on:
      c: { condition: service_started, required: false }
  b: { image: x/b:1 }
`);
  assert.deepEqual((desired.containers.a as DesiredContainer).dependsOn, { b: { condition: 'service_started' } });
  assert.deepEqual(warnings, [
    'compose.yaml:4:13: warning: services.a.links[0]: not needed: containers on a shared network reach each other by name ("b" is started first, as a link implies)',
    'compose.yaml:6:7: warning: services.a.depends_on.c: "c" is not defined (or not enabled by the selected profiles): this optional dependency (required: false) is skipped',
  ]);
});

test('an environment entry moved into a list of names is quoted by its key only, never its value', async () => {
  const issues = await composeIssues(`services:
  a:
    image: x/a:1
    secrets: [PASSWORD=hunter2]
    depends_on: [API_TOKEN=hunter2]
`);
  assert.deepEqual(issues, [
    'compose.yaml:4:15: services.a.secrets[0]: unknown secret "PASSWORD=..." (shortened)',
    'compose.yaml:5:18: services.a.depends_on[0]: "API_TOKEN=..." (shortened) is not defined (or not enabled by the selected profiles)',
  ]);
});

test('an environment entry moved into include: or extends.file is quoted by its key only when the file cannot be read', async () => {
  const issues = await composeIssues(`include: [PASSWORD=hunter2]
services:
  a:
    image: x/a:1
    extends: { file: API_TOKEN=hunter2, service: b }
`);
  assert.ok(issues.length > 0 && issues.every((i) => !i.includes('hunter2')), issues.join('\n'));
  assert.deepEqual(issues, [
    'compose.yaml:1:11: include[0]: "PASSWORD=..." (shortened): cannot read the Compose file: no such file',
    'compose.yaml:5:22: services.a.extends.file: "API_TOKEN=..." (shortened): cannot read the Compose file: no such file',
  ]);
});

test('--as services: an environment: of a secret or config that is no variable name is refused without quoting it', async () => {
  const issues = await composeIssues(
    `services:
  a: { image: x/a:1, secrets: [pw], configs: [conf] }
secrets:
  pw: { environment: "PASSWORD=hunter2" }
configs:
  conf: { environment: "\${PW}" }
`,
    { reading: 'services', env: { PW: 'hunter2-x' } },
  );
  assert.deepEqual(issues, [
    'compose.yaml:4:22: secrets.pw.environment: must be the name of an environment variable (letters, digits and "_", not starting with a digit)',
    'compose.yaml:6:24: configs.conf.environment: must be the name of an environment variable (letters, digits and "_", not starting with a digit)',
  ]);
});

test('an environment entry moved into profiles: is quoted by its key only in the "not deployed" warning', async () => {
  const { warnings } = await composeDesired('services:\n  a: { image: x/a:1 }\n  b: { image: x/b:1, profiles: [debug, "PASSWORD=hunter2"] }\n');
  assert.deepEqual(warnings, ['compose.yaml:3:3: warning: services.b: not deployed, and its containers are removed if an earlier apply made them (docker compose up would leave them): its profiles (debug, "PASSWORD=..." (shortened)) are not selected (select with --profile debug, or COMPOSE_PROFILES)']);
});

test('a value that came from a variable is quoted as written in messages, never as the variable made it (it may be a secret)', async () => {
  const env = { PW: 'hunter2-x' };
  const files = await composeIssues(
    `include: ["\${PW}"]
services:
  a:
    image: x/a:1
    secrets: [pw]
    extends: { file: "admin:\${PW}", service: b }
secrets:
  pw: { file: "\${PW}" }
`,
    { env },
  );
  assert.deepEqual(files, [
    'compose.yaml:1:11: include[0]: "${PW}": cannot read the Compose file: no such file',
    'compose.yaml:5:15: services.a.secrets[0]: the secret file "${PW}" does not exist',
    'compose.yaml:6:22: services.a.extends.file: "admin:${PW}": cannot read the Compose file: no such file',
  ]);
  const port = await composeIssues('services:\n  a:\n    image: x/a:1\n    ports: ["${PW}"]\n', { env });
  assert.deepEqual(port, ['compose.yaml:4:13: services.a.ports[0]: invalid container port "${PW}"']);
  const restart = await composeIssues('services:\n  a:\n    image: x/a:1\n    restart: "${PW}"\n', { env });
  assert.deepEqual(restart, ['compose.yaml:4:14: services.a.restart: must be no, always, unless-stopped or on-failure[:N] (got "${PW}")']);
});

test('container_name gives one message naming the container moor makes: a warning for one replica (<name>_1 with scale: 1), an error alone for several', async () => {
  const { desired, warnings } = await composeDesired('name: p\nservices:\n  web:\n    image: x/web:1\n    scale: 1\n    container_name: fixed\n');
  assert.deepEqual(warnings, ['compose.yaml:6:5: warning: services.web.container_name: moor names the container p_web_1 (it owns what carries its name); "fixed" is kept as a network alias, so other containers still reach it by that name']);
  assert.deepEqual((desired.containers.web_1 as DesiredContainer).spec.networks, { default: { aliases: ['fixed', 'web', 'web_1'], ipv4Address: null } });
  assert.deepEqual(await composeIssues('name: p\nservices:\n  web:\n    image: x/web:1\n    scale: 2\n    container_name: fixed\n'), [
    'compose.yaml:6:21: services.web.container_name: services.web.scale gives 2 containers, and one container name cannot be given to several: remove container_name (moor names them p_web_1 .. p_web_2, all reachable as "web")',
  ]);
});

test('links: and container_name: never quote a secret: an environment entry moved there, or a value from a variable', async () => {
  const env = { PW: 'hunter2-x' };
  const links = await composeIssues('services:\n  a:\n    image: x/a:1\n    links: ["AUTH=admin:hunter2", "admin:${PW}"]\n', { env });
  assert.deepEqual(links, [
    'compose.yaml:4:13: services.a.links[0]: link aliases are not supported ("AUTH=..." (shortened)): give the linked service the network alias instead (networks: {default: {aliases: [...]}})',
    'compose.yaml:4:35: services.a.links[1]: link aliases are not supported ("admin:${PW}"): give the linked service the network alias instead (networks: {default: {aliases: [...]}})',
  ]);
  const { warnings } = await composeDesired('name: p\nservices:\n  a:\n    image: x/a:1\n    container_name: "admin:${PW}"\n', { env });
  assert.ok(warnings.length === 1 && !(warnings[0] as string).includes('hunter2') && (warnings[0] as string).includes('"admin:${PW}"'), warnings.join('\n'));
});

test('profiles:, include: {path} and a volume type: never quote a secret: an environment entry moved there, or a value from a variable', async () => {
  const env = { PW: 'hunter2-x' };
  const { warnings } = await composeDesired('services:\n  a: { image: x/a:1 }\n  b: { image: x/b:1, profiles: ["${PW}", "admin:${PW}"] }\n', { env });
  assert.deepEqual(warnings, ['compose.yaml:3:3: warning: services.b: not deployed, and its containers are removed if an earlier apply made them (docker compose up would leave them): its profiles ("${PW}", "admin:${PW}") are not selected (select with --profile "${PW}", or COMPOSE_PROFILES)']);
  const issues = await composeIssues('include: [{ path: "${PW}" }]\nservices:\n  a:\n    image: x/a:1\n    volumes: [{ type: "PASSWORD=hunter2", target: /x }]\n', { env });
  assert.deepEqual(issues, [
    'compose.yaml:1:11: include[0]: "${PW}": cannot read the Compose file: no such file',
    'compose.yaml:5:23: services.a.volumes[0].type: moor mounts volumes, binds and tmpfs only (not "PASSWORD=..." (shortened))',
  ]);
});

test('an unknown secret or config given as {source: ${VAR}} is quoted as written', async () => {
  const issues = await composeIssues('services:\n  a:\n    image: x/a:1\n    configs: [{ source: "${PW}" }]\n', { env: { PW: 'hunter2-x' } });
  assert.deepEqual(issues, ['compose.yaml:4:15: services.a.configs[0]: unknown config "${PW}"']);
});

test('the build: warning quotes an image from a variable as written', async () => {
  const { warnings } = await composeDesired('services:\n  a:\n    image: "${IMG}"\n    build: .\n', { env: { IMG: 'x/a:hunter2' } });
  assert.deepEqual(warnings, ['compose.yaml:4:5: warning: services.a.build: ignored: moor does not build images; it runs "${IMG}" as it is (build it beforehand, e.g. with docker compose build)']);
});

test('--as services: an unknown config given as {source: ${VAR}} is quoted as written (the message is positioned on its key)', async () => {
  const issues = await composeIssues('services:\n  a:\n    image: x/a:1\n    configs: [{ source: "${PW}" }]\n', { env: { PW: 'hunter2-x' }, reading: 'services' });
  assert.deepEqual(issues, ['compose.yaml:4:17: services.a.configs[0].source: unknown config "${PW}"']);
});

test('include: is applied to its file before the -f files merge, as in Compose: another file may change an included service, before or after the including one', async () => {
  const files = { 'sub/compose.yaml': 'services:\n  metrics:\n    image: x/metrics:1\n    environment: { A: "1", B: "1" }\n', 'extra.yaml': 'services:\n  metrics:\n    environment: { B: "2", C: "2" }\n' };
  const after = await composeDesired('include: [sub/compose.yaml]\nservices:\n  app: { image: x/app:1 }\n', { files: ['compose.yaml', 'extra.yaml'], extraFiles: files });
  assert.deepEqual((after.desired.containers.metrics as DesiredContainer).spec.environment, { A: '1', B: '2', C: '2' });
  const before = await composeDesired('include: [sub/compose.yaml]\n', { files: ['extra.yaml', 'compose.yaml'], extraFiles: files });
  const metrics = (before.desired.containers.metrics as DesiredContainer).spec;
  assert.equal(metrics.image, 'x/metrics:1');
  assert.deepEqual(metrics.environment, { A: '1', B: '1', C: '2' });
});

test('extends: is resolved in its file before the -f files merge, as in Compose: the base goes under the extending service of its file, not over what earlier files say; that file\'s !override and !reset apply to the earlier files too', async () => {
  const { desired } = await composeDesired('services:\n  web:\n    image: x/old:1\n    environment: { A: "1", B: "1" }\n    ports: ["7000:7000"]\n    labels: { a: "1" }\n', {
    files: ['compose.yaml', 'override.yaml'],
    extraFiles: {
      'override.yaml': `services:
  base:
    image: x/web:2
    environment: { A: "2" }
    ports: ["8000:8000"]
    labels: { b: "2" }
  web:
    extends: base
    environment: { C: "3" }
    ports: !override ["9000:9000"]
    labels: !reset {}
`,
    },
  });
  const web = (desired.containers.web as DesiredContainer).spec;
  assert.equal(web.image, 'x/web:2');
  assert.deepEqual(web.environment, { A: '2', B: '1', C: '3' });
  assert.deepEqual(web.ports.map((p) => p.published), [9000]);
  assert.deepEqual(web.labels, {});
  // A base in another -f file is not found, as in Compose.
  const issues = await composeIssues('services:\n  base: { image: x/web:2 }\n', { files: ['compose.yaml', 'override.yaml'], extraFiles: { 'override.yaml': 'services:\n  web: { extends: base }\n' } });
  assert.deepEqual(issues, ['override.yaml:2:19: services.web.extends: extends the service "base", which is not defined in this file']);
});

test('a depends_on list item in a later file means service_started, as Compose merges it: it replaces an earlier file\'s condition', async () => {
  const { desired } = await composeDesired('services:\n  db: { image: x/db:1, healthcheck: { test: [CMD, "true"] } }\n  web:\n    image: x/web:1\n    depends_on: { db: { condition: service_healthy } }\n', {
    files: ['compose.yaml', 'override.yaml'],
    extraFiles: { 'override.yaml': 'services:\n  web:\n    depends_on: [db]\n' },
  });
  assert.deepEqual((desired.containers.web as DesiredContainer).dependsOn, { db: { condition: 'service_started' } });
});

test('the relative paths of a file included from another folder are quoted as it writes them, not rebased: an environment entry moved there shortened, a variable as ${VAR}', async () => {
  const sub = `include: [PASSWORD=hunter2, "\${PW}"]
services:
  a:
    image: x/a:1
    secrets: [pw, pw2]
    env_file: ["TOKEN=hunter2", "\${PW}"]
    volumes: ["./\${PW}:/b"]
    extends: { file: "admin:\${PW}", service: b }
  c:
    image: x/c:1
    extends: { file: API_TOKEN=hunter2, service: b }
secrets:
  pw: { file: "\${PW}" }
  pw2: { file: "PASSWORD=hunter2" }
`;
  const result = await loadComposeText('include: [sub/compose.yaml]\n', { env: { PW: 'hunter2-x' }, extraFiles: { 'sub/compose.yaml': sub } });
  const issues = (result.ok ? result.warnings : result.issues).map(formatIssue);
  assert.ok(!result.ok && issues.every((i) => !i.includes('hunter2')), issues.join('\n'));
  assert.deepEqual(issues, [
    'sub/compose.yaml:1:11: include[0]: "PASSWORD=..." (shortened): cannot read the Compose file: no such file',
    'sub/compose.yaml:1:29: include[1]: "${PW}": cannot read the Compose file: no such file',
    'sub/compose.yaml:5:15: services.a.secrets[0]: the secret file "${PW}" does not exist',
    'sub/compose.yaml:5:19: services.a.secrets[1]: the secret file "PASSWORD=..." (shortened) does not exist',
    'sub/compose.yaml:6:16: services.a.env_file[0]: cannot read "TOKEN=..." (shortened): no such file',
    'sub/compose.yaml:6:33: services.a.env_file[1]: cannot read "${PW}": no such file',
    'sub/compose.yaml:7:15: warning: services.a.volumes[0]: the host path "./${PW}:/b" does not exist: Compose would create it, moor does not (the container cannot be created until it exists)',
    'sub/compose.yaml:8:22: services.a.extends.file: "admin:${PW}": cannot read the Compose file: no such file',
    'sub/compose.yaml:11:22: services.c.extends.file: "API_TOKEN=..." (shortened): cannot read the Compose file: no such file',
  ]);
});

test('an env_file entry that cannot be read is named by its Compose index, past an optional entry skipped before it', async () => {
  const issues = await composeIssues(`services:
  web:
    image: x/web:1
    env_file:
      - path: ./missing.env
        required: false
      - ./missing2.env
      - { path: ./present.env, required: false }
      - ./missing3.env
`, { extraFiles: { 'present.env': 'A=1\n' } });
  assert.deepEqual(issues, [
    'compose.yaml:7:9: services.web.env_file[1]: cannot read "./missing2.env": no such file',
    'compose.yaml:9:9: services.web.env_file[3]: cannot read "./missing3.env": no such file',
  ]);
});

test('an include env_file: that cannot be read is reported where the include names it, quoted as written (an environment entry moved there shortened)', async () => {
  const issues = await composeIssues('include:\n  - path: sub/compose.yaml\n    env_file: [PASSWORD=hunter2, "${PW}"]\n', { env: { PW: 'hunter2-x' }, extraFiles: { 'sub/compose.yaml': 'services:\n  a: { image: x/a:1 }\n' } });
  assert.deepEqual(issues, [
    'compose.yaml:3:16: include[0].env_file[0]: "PASSWORD=..." (shortened): cannot read the env file: no such file',
    'compose.yaml:3:34: include[0].env_file[1]: "${PW}": cannot read the env file: no such file',
  ]);
});

test('--as containers: a number of replicas past 1000 (scale: 1e300) is refused at the number, not tried', async () => {
  const issues = await composeIssues('services:\n  a: { image: x/a:1, scale: 1e300 }\n  b: { image: x/b:1, deploy: { replicas: 1001 } }\n  c: { image: x/c:1, scale: 1000 }\n');
  assert.deepEqual(issues, [
    'compose.yaml:2:29: services.a.scale: is 1e+300: --as containers makes one container per replica, 1000 at the most',
    'compose.yaml:3:42: services.b.deploy.replicas: is 1001: --as containers makes one container per replica, 1000 at the most',
  ]);
});

test('a service field named after a member of every JavaScript object (toString, valueOf) is an unknown field in both readings', async () => {
  const compose = 'services:\n  api:\n    image: x/api:1\n    toString: { a: b }\n    valueOf: 1\n';
  for (const reading of ['containers', 'services'] as const) {
    assert.deepEqual(await composeIssues(compose, { reading }), [
      'compose.yaml:4:5: services.api.toString: unknown field',
      'compose.yaml:5:5: services.api.valueOf: unknown field',
    ], reading);
  }
});
