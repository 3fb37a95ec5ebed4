// Normalisation: every short syntax and default, checked against the exact model value.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { loadManifest } from '../../src/manifest/load.js';
import type { ContainerSpec, DesiredContainer, DesiredService, ServiceSpec } from '../../src/model/desired.js';
import { Sensitive } from '../../src/model/sensitive.js';
import { desiredOf, issuesOf, loadYaml, withProject } from './helpers.js';

const container = async (yaml: string, options: Parameters<typeof desiredOf>[1] = {}): Promise<DesiredContainer> => {
  const d = await desiredOf(`project: shop\ncontainers:\n  web:\n    image: moor/busybox:latest\n${yaml}`, options);
  return d.containers.web as DesiredContainer;
};
const service = async (yaml: string, extra = ''): Promise<DesiredService> => {
  const d = await desiredOf(`project: shop\n${extra}services:\n  api:\n    image: moor/busybox:latest\n${yaml}`);
  return d.services.api as DesiredService;
};

/** What containers and services share, unset. */
const COMMON_DEFAULTS = { image: 'moor/busybox:latest', command: null, entrypoint: null, environment: {}, ports: [], mounts: [], healthcheck: null, labels: {}, user: null } as const;

const CONTAINER_DEFAULTS: ContainerSpec = {
  ...COMMON_DEFAULTS,
  networks: { default: { aliases: ['web'], ipv4Address: null } },
  restart: { name: 'no', maxRetries: 0 },
  workingDir: null,
  hostname: null,
  capAdd: [],
  capDrop: [],
  privileged: false,
  readOnly: false,
  tmpfs: {},
  init: null,
  extraHosts: [],
  dns: [],
  sysctls: {},
  ulimits: {},
  logging: null,
  stopSignal: null,
  stopGracePeriod: null,
  memLimit: null,
  cpus: null,
};

const SERVICE_DEFAULTS: ServiceSpec = {
  ...COMMON_DEFAULTS,
  networks: { default: { aliases: ['api'] } },
  secrets: [],
  configs: [],
  mode: 'replicated',
  replicas: 1,
  updateConfig: null,
  rollbackConfig: null,
  restartPolicy: null,
  placement: { constraints: [], preferences: [], maxReplicas: null },
  resources: { limits: { cpus: null, memory: null, pids: null }, reservations: { cpus: null, memory: null } },
  containerLabels: {},
  workingDir: null,
  hostname: null,
  stopSignal: null,
  stopGracePeriod: null,
  readOnly: false,
  init: null,
  logging: null,
  endpointMode: 'vip',
};

test('a minimal container gets every default, and the default bridge network', async () => {
  const d = await desiredOf('project: shop\ncontainers:\n  web:\n    image: moor/busybox:latest\n');
  assert.deepEqual(d.containers.web, { kind: 'container', name: 'web', engineName: 'shop_web', spec: CONTAINER_DEFAULTS, dependsOn: {} });
  assert.deepEqual(d.networks, {
    default: {
      kind: 'network',
      name: 'default',
      external: false,
      engineName: 'shop_default',
      spec: { driver: 'bridge', attachable: false, internal: false, enableIpv6: false, driverOpts: {}, ipam: null, labels: {} },
    },
  });
  assert.deepEqual(d.locations, { 'container/web': { file: 'moor.yaml', line: 3, column: 3 }, 'network/default': { file: 'moor.yaml', line: 3, column: 3 } });
});

test('a minimal service gets Swarm defaults, and the default network is overlay', async () => {
  const d = await desiredOf('project: shop\nservices:\n  api:\n    image: moor/busybox:latest\n');
  assert.deepEqual(d.services.api, { kind: 'service', name: 'api', engineName: 'shop_api', spec: SERVICE_DEFAULTS, dependsOn: [] });
  assert.equal(d.networks.default?.external === false && d.networks.default.spec.driver, 'overlay');
});

test('a default network used by containers and services is an attachable overlay', async () => {
  const d = await desiredOf('project: shop\ncontainers:\n  web: {image: x}\nservices:\n  api: {image: x}\n');
  const net = d.networks.default;
  assert.ok(net !== undefined && !net.external);
  assert.equal(net.spec.driver, 'overlay');
  assert.equal(net.spec.attachable, true);
});

test('"127.0.0.1:8080-8081:80-81/udp" is two container ports; all ports are sorted', async () => {
  const c = await container(`    ports:
      - "9000:90"
      - "127.0.0.1:8080-8081:80-81/udp"
      - target: 80
        published: "7080"
        host_ip: "::1"
      - 53/udp
`);
  assert.deepEqual(c.spec.ports, [
    { target: 53, published: null, hostIp: '', protocol: 'udp' },
    { target: 80, published: 7080, hostIp: '::1', protocol: 'tcp' },
    { target: 80, published: 8080, hostIp: '127.0.0.1', protocol: 'udp' },
    { target: 81, published: 8081, hostIp: '127.0.0.1', protocol: 'udp' },
    { target: 90, published: 9000, hostIp: '', protocol: 'tcp' },
  ]);
});

test('service ports: ingress by default, host mode in the long syntax', async () => {
  const s = await service(`    ports:
      - "8080:80"
      - target: 443
        published: 8443
        mode: host
        protocol: tcp
      - "5353:53/udp"
      - 9000
`);
  assert.deepEqual(s.spec.ports, [
    { target: 53, published: 5353, protocol: 'udp', mode: 'ingress' },
    { target: 80, published: 8080, protocol: 'tcp', mode: 'ingress' },
    { target: 443, published: 8443, protocol: 'tcp', mode: 'host' },
    { target: 9000, published: null, protocol: 'tcp', mode: 'ingress' },
  ]);
});

test('durations, sizes and CPUs are converted to nanoseconds, bytes and nano-CPUs', async () => {
  const c = await container(`    stop_grace_period: 1m30s
    mem_limit: 256M
    cpus: 0.5
    healthcheck:
      test: ["CMD", "true"]
      interval: 500ms
      timeout: 2s
      retries: 3
      start_period: 1h
`);
  assert.equal(c.spec.stopGracePeriod, 90_000_000_000);
  assert.equal(c.spec.memLimit, 268_435_456);
  assert.equal(c.spec.cpus, 500_000_000);
  assert.deepEqual(c.spec.healthcheck, { test: ['CMD', 'true'], interval: 500_000_000, timeout: 2_000_000_000, retries: 3, startPeriod: 3_600_000_000_000 });
  const s = await service(`    resources:
      limits: {cpus: "1.5", memory: 1g, pids: 100}
      reservations: {cpus: 0.25, memory: 1048576}
`);
  assert.deepEqual(s.spec.resources, { limits: { cpus: 1_500_000_000, memory: 1024 ** 3, pids: 100 }, reservations: { cpus: 250_000_000, memory: 1_048_576 } });
});

test('a zero the Engine reads as "not set" is null, as if not written: healthcheck timings and retries, limits, reservations, max replicas per node, tmpfs size and mode, mem_limit', async () => {
  const zeroHealthcheck = '    healthcheck: {test: ["CMD", "true"], interval: 0s, timeout: "0", retries: 0, start_period: 0ms}\n';
  const zeroTmpfs = '    volumes: [{type: tmpfs, target: /t, tmpfs: {size: 0, mode: 0}}]\n';
  const unset = { test: ['CMD', 'true'], interval: null, timeout: null, retries: null, startPeriod: null };
  const c = await container(`${zeroHealthcheck}${zeroTmpfs}    mem_limit: 0b\n`);
  assert.deepEqual(c.spec.healthcheck, unset);
  assert.deepEqual(c.spec.mounts, [{ type: 'tmpfs', target: '/t', size: null, mode: null }]);
  assert.equal(c.spec.memLimit, null);
  const s = await service(`${zeroHealthcheck}${zeroTmpfs}    placement: {max_replicas_per_node: 0}
    resources:
      limits: {memory: 0, pids: 0}
      reservations: {memory: 0m}
    restart_policy: {max_attempts: 0}
`);
  assert.deepEqual(s.spec.healthcheck, unset);
  assert.deepEqual(s.spec.mounts, [{ type: 'tmpfs', target: '/t', size: null, mode: null }]);
  assert.equal(s.spec.placement.maxReplicas, null);
  assert.deepEqual(s.spec.resources, SERVICE_DEFAULTS.resources);
  assert.equal(s.spec.restartPolicy?.maxAttempts, null);
});

test('a zero the Engine keeps, and gives its own meaning, stays 0: parallelism (all at once), delays, monitor, max failure ratio, restart delay and window, stop grace period, replicas', async () => {
  const s = await service(`    update_config: {parallelism: 0, delay: 0s, monitor: 0s, max_failure_ratio: 0}
    restart_policy: {delay: 0s, window: 0s}
    stop_grace_period: 0s
    replicas: 0
`);
  assert.deepEqual(s.spec.updateConfig, { parallelism: 0, delay: 0, failureAction: 'pause', monitor: 0, maxFailureRatio: 0, order: 'stop-first' });
  assert.deepEqual(s.spec.restartPolicy, { condition: 'any', delay: 0, maxAttempts: null, window: 0 });
  assert.equal(s.spec.stopGracePeriod, 0);
  assert.equal(s.spec.replicas, 0);
  const c = await container('    stop_grace_period: 0s\n    restart: on-failure:0\n    ulimits: {core: 0}\n');
  assert.equal(c.spec.stopGracePeriod, 0);
  assert.deepEqual(c.spec.restart, { name: 'on-failure', maxRetries: 0 });
  assert.deepEqual(c.spec.ulimits, { core: { soft: 0, hard: 0 } });
});

test('environment as a list and as a map mean the same; numbers keep their spelling', async () => {
  const fromList = await container('    environment: ["A=1", "B=", "VERSION=1.10", "EQ=a=b"]\n');
  const fromMap = await container('    environment:\n      A: 1\n      B: ""\n      VERSION: 1.10\n      EQ: a=b\n');
  const expected = { A: '1', B: '', EQ: 'a=b', VERSION: '1.10' };
  assert.deepEqual(fromList.spec.environment, expected);
  assert.deepEqual(fromMap.spec.environment, expected);
  const yes = await container('    environment:\n      COUNTRY: NO\n      ON: yes\n      T: true\n');
  assert.deepEqual(yes.spec.environment, { COUNTRY: 'NO', ON: 'yes', T: 'true' });
});

test('a bare environment key takes moor\'s environment, and is left out when unset', async () => {
  const c = await container('    environment: [FROM_ENV, UNSET_HERE, "X=1"]\n', { env: { FROM_ENV: 'value' } });
  assert.deepEqual(c.spec.environment, { FROM_ENV: 'value', X: '1' });
  const m = await container('    environment:\n      FROM_ENV:\n      UNSET_HERE:\n', { env: { FROM_ENV: 'v2' } });
  assert.deepEqual(m.spec.environment, { FROM_ENV: 'v2' });
});

test('env_file entries come first and environment: wins over them', async () => {
  const c = await container('    env_file: [a.env, b.env]\n    environment:\n      SHARED: from-manifest\n', {
    files: { 'a.env': '# comment\nA=1\nSHARED=from-a\nexport QUOTED="two\\nlines"\n', 'b.env': "B='literal $x'\nA=overridden # comment\n" },
  });
  assert.deepEqual(c.spec.environment, { A: 'overridden', B: 'literal $x', QUOTED: 'two\nlines', SHARED: 'from-manifest' });
});

test('the load names, as absolute paths, every file the manifest names (env_file:, file: sources), once each', async () => {
  const yaml = `project: demo
containers:
  web:
    image: moor/busybox:latest
    env_file: [conf/a.env, b.env]
  db:
    image: moor/busybox:latest
    env_file: b.env
secrets:
  pw:
    file: conf/pw.txt
configs:
  site:
    file: site.conf
`;
  const files = { 'conf/a.env': 'A=1\n', 'b.env': 'B=2\n', 'conf/pw.txt': 'x', 'site.conf': 'y' };
  await withProject({ 'moor.yaml': yaml, ...files }, async (dir) => {
    const result = await loadManifest({ files: ['moor.yaml'], cwd: dir, env: {} });
    assert.ok(result.ok);
    assert.deepEqual([...result.namedFiles].sort(), ['b.env', 'conf/a.env', 'conf/pw.txt', 'site.conf'].map((f) => path.join(dir, f)));
    assert.deepEqual(result.files, [path.join(dir, 'moor.yaml')]);
  });
});

test('labels as a list and as a map mean the same', async () => {
  const a = await container('    labels: ["com.example.a=1", "empty="]\n');
  const b = await container('    labels:\n      com.example.a: 1\n      empty: ""\n');
  assert.deepEqual(a.spec.labels, { 'com.example.a': '1', empty: '' });
  assert.deepEqual(b.spec.labels, a.spec.labels);
});

test('mounts: named, bind (relative to the project folder), anonymous and tmpfs, sorted by target', async () => {
  await withProject({ 'moor.yaml': `project: shop
volumes:
  data: {}
containers:
  web:
    image: x
    volumes:
      - data:/var/data:ro
      - ./site:/www
      - /scratch
      - type: tmpfs
        target: /tmp
        tmpfs: {size: 64m, mode: 01777}
      - type: volume
        source: data
        target: /copy
        volume: {nocopy: true}
      - type: bind
        source: ~/cache
        target: /cache
        read_only: true
` }, async (dir) => {
    const r = await loadManifest({ files: ['moor.yaml'], cwd: dir, env: { HOME: '/home/me' } });
    assert.ok(r.ok);
    assert.deepEqual(r.desired.containers.web?.spec.mounts, [
      { type: 'bind', source: '/home/me/cache', target: '/cache', readOnly: true },
      { type: 'volume', source: 'data', target: '/copy', readOnly: false, noCopy: true },
      { type: 'volume', source: '', target: '/scratch', readOnly: false, noCopy: false },
      { type: 'tmpfs', target: '/tmp', size: 64 * 1024 * 1024, mode: 0o1777 },
      { type: 'volume', source: 'data', target: '/var/data', readOnly: true, noCopy: false },
      { type: 'bind', source: path.join(dir, 'site'), target: '/www', readOnly: false },
    ]);
  });
});

test('networks: aliases always include the own name, sorted; ipv4 addresses kept', async () => {
  const d = await desiredOf(`project: shop
networks:
  front: {}
  back:
    internal: true
    ipam:
      config:
        - subnet: 172.28.0.0/16
          gateway: 172.28.0.1
containers:
  web:
    image: x
    networks:
      front:
        aliases: [www, api, www]
      back:
        ipv4_address: 172.28.0.10
  db:
    image: x
    networks: [back]
`);
  assert.deepEqual(d.containers.web?.spec.networks, { back: { aliases: ['web'], ipv4Address: '172.28.0.10' }, front: { aliases: ['api', 'web', 'www'], ipv4Address: null } });
  assert.deepEqual(d.containers.db?.spec.networks, { back: { aliases: ['db'], ipv4Address: null } });
  assert.deepEqual(Object.keys(d.networks), ['back', 'front']);
  const back = d.networks.back;
  assert.ok(back !== undefined && !back.external);
  assert.deepEqual(back.spec, { driver: 'bridge', attachable: false, internal: true, enableIpv6: false, driverOpts: {}, ipam: { driver: 'default', config: [{ subnet: '172.28.0.0/16', ipRange: null, gateway: '172.28.0.1' }] }, labels: {} });
});

test('external objects keep their Engine name and are not managed', async () => {
  const d = await desiredOf(`project: shop
networks:
  proxy: {external: true, name: traefik_public}
volumes:
  data: {external: true}
secrets:
  cert: {external: true, name: site_cert_v3}
services:
  api:
    image: x
    networks: [proxy]
    secrets: [cert]
    volumes: ["data:/data"]
`);
  assert.deepEqual(d.networks.proxy, { kind: 'network', name: 'proxy', external: true, engineName: 'traefik_public' });
  assert.deepEqual(d.volumes.data, { kind: 'volume', name: 'data', external: true, engineName: 'data' });
  assert.deepEqual(d.secrets.cert, { kind: 'secret', name: 'cert', external: true, engineName: 'site_cert_v3' });
  assert.equal(d.networks.default, undefined);
});

test('secrets and configs: content, sources and file references with their defaults', async () => {
  const d = await desiredOf(
    `project: shop
secrets:
  db_password: {file: ./secrets/db.txt, labels: {tier: db}}
  api_key: {environment: API_KEY}
configs:
  nginx: {file: conf/nginx.conf}
  motd: {content: "hello \${WHO}"}
services:
  api:
    image: x
    secrets:
      - db_password
      - source: api_key
        target: /run/secrets/key
        uid: "103"
        gid: 103
        mode: 0440
    configs:
      - nginx
      - source: motd
        target: /etc/motd
        mode: "0400"
`,
    { files: { 'secrets/db.txt': 's3cret', 'conf/nginx.conf': 'events {}\n' }, env: { API_KEY: 'k3y', WHO: 'world' } },
  );
  const secret = d.secrets.db_password;
  assert.ok(secret !== undefined && !secret.external);
  assert.ok(secret.data instanceof Sensitive);
  assert.equal(Buffer.from(secret.data.reveal()).toString(), 's3cret');
  assert.deepEqual(secret.source, { type: 'file', path: 'secrets/db.txt' });
  assert.deepEqual(secret.spec, { labels: { tier: 'db' } });
  assert.ok(!JSON.stringify(d).includes('s3cret') && !JSON.stringify(d).includes('k3y'));
  const key = d.secrets.api_key;
  assert.ok(key !== undefined && !key.external);
  assert.deepEqual(key.source, { type: 'environment', variable: 'API_KEY' });
  const motd = d.configs.motd;
  assert.ok(motd !== undefined && !motd.external);
  assert.equal(Buffer.from(motd.data).toString(), 'hello world');
  assert.deepEqual(motd.source, { type: 'content' });
  assert.deepEqual(d.services.api?.spec.secrets, [
    { source: 'db_password', target: 'db_password', uid: '0', gid: '0', mode: 0o444 },
    { source: 'api_key', target: 'key', uid: '103', gid: '103', mode: 0o440 },
  ]);
  assert.deepEqual(d.services.api?.spec.configs, [
    { source: 'motd', target: '/etc/motd', uid: '0', gid: '0', mode: 0o400 },
    { source: 'nginx', target: '/nginx', uid: '0', gid: '0', mode: 0o444 },
  ]);
});

test('partial update_config and rollback_config are completed with Swarm\'s defaults', async () => {
  const s = await service('    update_config:\n      failure_action: rollback\n      delay: 10s\n    rollback_config:\n      parallelism: 0\n      order: start-first\n');
  assert.deepEqual(s.spec.updateConfig, { parallelism: 1, delay: 10e9, failureAction: 'rollback', monitor: 5e9, maxFailureRatio: 0, order: 'stop-first' });
  assert.deepEqual(s.spec.rollbackConfig, { parallelism: 0, delay: 0, failureAction: 'pause', monitor: 5e9, maxFailureRatio: 0, order: 'start-first' });
});

test('restart_policy, placement, mode and endpoint mode', async () => {
  const s = await service(`    restart_policy: {condition: on-failure, max_attempts: 3, window: 2m}
    placement:
      constraints: ["node.role == manager", "node.labels.disk == ssd"]
      preferences: [{spread: node.labels.zone}]
      max_replicas_per_node: 2
    replicas: 0
    endpoint_mode: dnsrr
`);
  assert.deepEqual(s.spec.restartPolicy, { condition: 'on-failure', delay: null, maxAttempts: 3, window: 120e9 });
  assert.deepEqual(s.spec.placement, { constraints: ['node.labels.disk == ssd', 'node.role == manager'], preferences: [{ spread: 'node.labels.zone' }], maxReplicas: 2 });
  assert.equal(s.spec.replicas, 0);
  assert.equal(s.spec.endpointMode, 'dnsrr');
  const g = await service('    mode: global\n');
  assert.equal(g.spec.mode, 'global');
  assert.equal(g.spec.replicas, null);
});

test('healthcheck: a string runs with the shell, disable means NONE, no test keeps the image\'s', async () => {
  assert.deepEqual((await container('    healthcheck:\n      test: curl -f http://localhost/ || exit 1\n')).spec.healthcheck, {
    test: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'],
    interval: null,
    timeout: null,
    retries: null,
    startPeriod: null,
  });
  assert.deepEqual((await container('    healthcheck:\n      disable: true\n')).spec.healthcheck, { test: ['NONE'], interval: null, timeout: null, retries: null, startPeriod: null });
  assert.deepEqual((await container('    healthcheck:\n      interval: 1m\n')).spec.healthcheck, { test: [], interval: 60e9, timeout: null, retries: null, startPeriod: null });
});

test('restart, command, entrypoint, capabilities and the small container fields', async () => {
  const c = await container(`    restart: on-failure:5
    command: httpd -f -p "80 80"
    entrypoint: ["/bin/sh", "-c", 3]
    cap_add: [net_admin, CAP_SYS_TIME, NET_ADMIN]
    cap_drop: [ALL]
    tmpfs: ["/run:size=64m", /tmp]
    extra_hosts: {db: 10.0.0.2, "cache": "10.0.0.3"}
    dns: 8.8.8.8
    sysctls: {net.core.somaxconn: 1024}
    ulimits: {nofile: {soft: 20000, hard: 40000}, nproc: 65535}
    logging: {driver: json-file, options: {max-size: 10m, max-file: 3}}
    user: 1000:1000
    working_dir: /app
    init: true
    privileged: true
    read_only: true
    stop_signal: SIGINT
`);
  assert.deepEqual(c.spec, {
    ...CONTAINER_DEFAULTS,
    restart: { name: 'on-failure', maxRetries: 5 },
    command: ['httpd', '-f', '-p', '80 80'],
    entrypoint: ['/bin/sh', '-c', '3'],
    capAdd: ['NET_ADMIN', 'SYS_TIME'],
    capDrop: ['ALL'],
    tmpfs: { '/run': 'size=64m', '/tmp': '' },
    extraHosts: ['cache:10.0.0.3', 'db:10.0.0.2'],
    dns: ['8.8.8.8'],
    sysctls: { 'net.core.somaxconn': '1024' },
    ulimits: { nofile: { soft: 20000, hard: 40000 }, nproc: { soft: 65535, hard: 65535 } },
    logging: { driver: 'json-file', options: { 'max-file': '3', 'max-size': '10m' } },
    user: '1000:1000',
    workingDir: '/app',
    init: true,
    privileged: true,
    readOnly: true,
    stopSignal: 'SIGINT',
  });
});

test('depends_on: conditions for containers, creation order for services', async () => {
  const d = await desiredOf(`project: shop
containers:
  web:
    image: x
    depends_on:
      db: {condition: service_healthy}
      cache: {}
  db: {image: x, healthcheck: {test: ["CMD", "true"]}}
  cache: {image: x}
services:
  api: {image: x, depends_on: [worker, queue]}
  worker: {image: x}
  queue: {image: x}
`);
  assert.deepEqual(d.containers.web?.dependsOn, { cache: { condition: 'service_started' }, db: { condition: 'service_healthy' } });
  assert.deepEqual(d.services.api?.dependsOn, ['queue', 'worker']);
});

test('records are keyed in sorted order', async () => {
  const d = await desiredOf('project: shop\ncontainers:\n  zeta: {image: x}\n  alpha: {image: x}\n  mid: {image: x}\n');
  assert.deepEqual(Object.keys(d.containers), ['alpha', 'mid', 'zeta']);
});

test('YAML merge keys (<<) with x- fragments: keys written in the mapping win', async () => {
  const d = await desiredOf(`project: shop
x-common: &common
  image: moor/busybox:latest
  restart: always
  labels: {team: core}
x-more: &more
  restart: "no"
  user: nobody
containers:
  web:
    <<: [*common, *more]
    labels: {team: web}
`);
  const spec = d.containers.web?.spec;
  assert.equal(spec?.image, 'moor/busybox:latest');
  assert.deepEqual(spec?.restart, { name: 'always', maxRetries: 0 });
  assert.equal(spec?.user, 'nobody');
  assert.deepEqual(spec?.labels, { team: 'web' });
});

test('several files merge in order: maps deeply, scalars and lists replaced', async () => {
  await withProject(
    {
      'base.yaml': 'project: shop\ncontainers:\n  web:\n    image: a\n    environment: {A: "1", B: "1"}\n    ports: ["80:80", "443:443"]\n    labels: {x: "1"}\n',
      'override.yaml': 'containers:\n  web:\n    image: b\n    environment: {B: "2", C: "2"}\n    ports: ["8080:80"]\n  extra:\n    image: c\n',
    },
    async (dir) => {
      const r = await loadManifest({ files: ['base.yaml', 'override.yaml'], cwd: dir, env: {} });
      assert.ok(r.ok);
      const web = r.desired.containers.web?.spec;
      assert.equal(web?.image, 'b');
      assert.deepEqual(web?.environment, { A: '1', B: '2', C: '2' });
      assert.deepEqual(web?.ports, [{ target: 80, published: 8080, hostIp: '', protocol: 'tcp' }]);
      assert.deepEqual(web?.labels, { x: '1' });
      assert.ok(r.desired.containers.extra !== undefined);
      assert.deepEqual(r.files, [path.join(dir, 'base.yaml'), path.join(dir, 'override.yaml')]);
      assert.deepEqual(r.desired.locations['container/extra'], { file: 'override.yaml', line: 6, column: 3 });
    },
  );
});

test('a null network or volume definition means all defaults, and merges with a mapping', async () => {
  const d = await desiredOf('project: shop\nvolumes:\n  data:\nnetworks:\n  front:\ncontainers:\n  web: {image: x, networks: [front], volumes: ["data:/d"]}\n');
  assert.deepEqual(d.volumes.data, { kind: 'volume', name: 'data', external: false, engineName: 'shop_data', spec: { driver: 'local', driverOpts: {}, labels: {} } });
  assert.equal(d.networks.front?.external === false && d.networks.front.spec.driver, 'bridge');
});

test('warnings do not fail a manifest', async () => {
  await withProject({ 'moor.yaml': 'project: shop\ncontainers:\n  web:\n    image: x\n    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]\n' }, async (dir) => {
    const r = await loadManifest({ files: ['moor.yaml'], cwd: dir, env: {} });
    assert.ok(r.ok);
    assert.equal(r.warnings.length, 1);
    assert.equal(r.warnings[0]?.severity, 'warning');
    assert.match(r.warnings[0]?.message ?? '', /Docker socket/);
  });
});

test('--allow-external-files lets file: leave the project folder', async () => {
  await withProject({ 'app/moor.yaml': 'project: shop\nsecrets:\n  s: {file: ../shared/token.txt}\n', 'shared/token.txt': 'tok' }, async (dir) => {
    const refused = await loadManifest({ files: ['app/moor.yaml'], cwd: dir, env: {} });
    assert.equal(refused.ok, false);
    const allowed = await loadManifest({ files: ['app/moor.yaml'], cwd: dir, env: {}, allowExternalFiles: true });
    assert.ok(allowed.ok);
  });
});

test('an invalid project name is reported once, not again by every name check', async () => {
  const { issuesOf } = await import('./helpers.js');
  assert.deepEqual(await issuesOf('project: My Shop\nservices:\n  api: {image: x}\nconfigs:\n  c: {content: x}\n'), [
    'moor.yaml:1:10: project: must be lower case letters, digits, "_" and "-", starting with a letter or digit (got "My ..." (shortened))',
  ]);
});

test('"__proto__" cannot come in through a KEY=VALUE list, and "constructor" is an ordinary name', async () => {
  const { issuesOf } = await import('./helpers.js');
  assert.deepEqual(await issuesOf('project: shop\ncontainers:\n  web:\n    image: x\n    environment: ["__proto__=x"]\n'), [
    'moor.yaml:5:19: containers.web.environment[0]: the key "__proto__" is not allowed',
  ]);
  const c = await container('    environment: ["constructor=1"]\n    networks: [constructor]\n', { files: {} }).catch((e: Error) => e);
  assert.ok(c instanceof Error && /unknown network "constructor"/.test(c.message));
});

test('a ManifestError lists every issue as FILE:LINE:COL: message', async () => {
  const { ManifestError } = await import('../../src/manifest/issues.js');
  const err = new ManifestError([
    { severity: 'error', file: 'moor.yaml', line: 3, column: 5, path: 'containers.web', message: 'containers.web: missing required field "image"' },
    { severity: 'warning', file: 'moor.yaml', line: 7, column: 9, path: 'x', message: 'x: careful' },
  ]);
  assert.equal(err.code, 'MANIFEST_INVALID');
  assert.equal(err.message, 'the manifest is invalid (1 error)');
  assert.deepEqual(err.details(), ['moor.yaml:3:5: containers.web: missing required field "image"', 'moor.yaml:7:9: warning: x: careful']);
});

test("a service's logging driver is its tasks' (the Engine's default when not given)", async () => {
  const s = await service('    logging: {driver: json-file, options: {max-size: 1m}}\n');
  assert.deepEqual(s.spec.logging, { driver: 'json-file', options: { 'max-size': '1m' } });
  assert.equal((await service('')).spec.logging, null);
});

test("a secret's environment: that is no variable name is refused without quoting it (it is often the secret itself)", async () => {
  const issues = await issuesOf('project: p\nsecrets:\n  pw:\n    environment: PASSWORD=hunter2\n  interpolated:\n    environment: ${PW}\n', { env: { PW: 'hunter2-x' } });
  assert.deepEqual(issues, [
    'moor.yaml:4:18: secrets.pw.environment: must be the name of an environment variable (letters, digits and "_", not starting with a digit)',
    'moor.yaml:6:18: secrets.interpolated.environment: must be the name of an environment variable (letters, digits and "_", not starting with a digit)',
  ]);
});

test("a schema error in a container's or service's field does not hide the object's other problems", async () => {
  const yaml = `project: shop
containers:
  web:
    image: moor/busybox:latest
    enviroment: {A: b}
    restart: sometimes
    ports: ["x80:80", {target: 99999}]
    networks: [nope]
services:
  api:
    image: moor/busybox:latest
    mode: everywhere
    replicas: many
    update_config: {order: sideways}
    secrets: [missing]
`;
  assert.deepEqual(await issuesOf(yaml), [
    'moor.yaml:5:5: containers.web.enviroment: unknown field (did you mean "environment"?)',
    'moor.yaml:6:14: containers.web.restart: must be no, always, unless-stopped or on-failure[:N] (got "sometimes")',
    // ports[1] is refused by the schema, so the whole list is left out: ports[0] is not checked.
    'moor.yaml:7:32: containers.web.ports[1].target: must be <= 65535 (got 99999)',
    'moor.yaml:8:16: containers.web.networks[0]: unknown network "nope"',
    'moor.yaml:12:11: services.api.mode: must be one of "replicated", "global" (got "everywhere")',
    'moor.yaml:13:15: services.api.replicas: must be an integer, not a string',
    'moor.yaml:14:28: services.api.update_config.order: must be one of "stop-first", "start-first" (got "sideways")',
    'moor.yaml:15:15: services.api.secrets[0]: unknown secret "missing"',
  ]);
});

test('a network, volume, secret or config with a schema error is still left out whole: no follow-up error about what it would be without the value', async () => {
  // Normalised without its file: field, s would have no content at all: a second, misleading error.
  assert.deepEqual(await issuesOf('project: shop\nsecrets:\n  s:\n    file: 5\nservices:\n  api:\n    image: moor/busybox:latest\n    secrets: [s]\n'), [
    'moor.yaml:4:11: secrets.s.file: must be a string, not an integer',
  ]);
});

test("a schema error in a container's image leaves the container out whole (it cannot do without one)", async () => {
  assert.deepEqual(await issuesOf('project: shop\ncontainers:\n  web:\n    image: 5\n    ports: ["x80:80"]\n'), ['moor.yaml:4:12: containers.web.image: must be an image reference such as moor/busybox:latest (without spaces), not an integer']);
});

test("the environment values the manifest does not hold as written (a variable's, moor's environment's, an env_file's) are named sensitive", async () => {
  const d = await desiredOf(
    `project: shop
containers:
  web:
    image: moor/busybox:latest
    env_file: app.env
    environment:
      URL: "postgres://app:\${PW}@db/app"
      BARE:
      LITERAL: shown
      OVERRIDDEN: written
      ESCAPED: "$$NOT_A_VARIABLE"
services:
  api:
    image: moor/busybox:latest
    environment: ["URL=\${PW}", "LITERAL=shown", "UNSET_BARE"]
`,
    { env: { PW: 'pw', BARE: 'from-env' }, files: { 'app.env': 'FROM_FILE=f\nOVERRIDDEN=f\n' } },
  );
  assert.deepEqual(d.containers.web?.sensitiveEnvironment, ['BARE', 'FROM_FILE', 'URL']);
  assert.equal(d.containers.web?.spec.environment.OVERRIDDEN, 'written');
  assert.deepEqual(d.services.api?.sensitiveEnvironment, ['URL'], 'a bare key left unset is not in the environment');
  assert.equal((await desiredOf('project: shop\ncontainers:\n  web:\n    image: moor/busybox:latest\n    environment: {A: b}\n')).containers.web?.sensitiveEnvironment, undefined);
});

test('replicas: at most 100000 (1e300 or a typo of many digits is refused at the number, not sent to the Engine)', async () => {
  assert.deepEqual(await issuesOf('project: shop\nservices:\n  api:\n    image: moor/busybox:latest\n    replicas: 1e300\n'), ['moor.yaml:5:15: services.api.replicas: must be <= 100000 (got 1e+300)']);
  assert.equal((await service('    replicas: 100000\n')).spec.replicas, 100000);
});

test('a container and a service of one name on a shared network are warned about: the name resolves to either', async () => {
  const shared = await loadYaml('project: shop\nnetworks:\n  mesh: {driver: overlay, attachable: true}\ncontainers:\n  web: {image: x, networks: [mesh]}\nservices:\n  web: {image: x, networks: [mesh]}\n');
  assert.ok(shared.ok);
  assert.deepEqual(shared.warnings.map((w) => [w.line, w.message]), [[5, 'container/web: service web has the same name and shares network mesh with it: there the name web resolves to either of them (rename one)']]);
  const apart = await loadYaml('project: shop\nnetworks:\n  mesh: {driver: overlay}\ncontainers:\n  web: {image: x}\nservices:\n  web: {image: x, networks: [mesh]}\n');
  assert.ok(apart.ok);
  assert.deepEqual(apart.warnings, []);
});
