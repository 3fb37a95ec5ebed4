// The no-perpetual-diff guarantee, against the real Engine: every field moor models, once applied,
// reads back as exactly what was asked for, so a plan right after an apply is empty.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DesiredProject } from '../../src/model/desired.js';
import { config, ctr, net, project, secret, svc, vol } from '../support/model.js';
import { applyProject, failures, planAgainst, renameProject, useProject } from '../support/project.js';

const run = useProject('rt');

function kitchenSink(): DesiredProject {
  return renameProject(project({
    networks: [
      net('default'),
      net('backend', { driver: 'overlay', attachable: true, labels: { tier: 'backend' } }),
      net('fixed', { ipam: { driver: 'default', config: [{ subnet: '10.231.0.0/24', ipRange: null, gateway: null }] }, internal: true, driverOpts: { 'com.docker.network.bridge.enable_icc': 'true' } }),
    ],
    volumes: [vol('data', { labels: { backup: 'daily' } }), vol('scratch', { driverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } })],
    secrets: [secret('db_pw', 'round-trip-secret')],
    configs: [config('site', 'listen 80\n', { kind: 'nginx' })],
    containers: [
      ctr('db', {
        command: ['/bin/sleep', '3600'],
        environment: { A: '1', B: 'two words' },
        mounts: [
          { type: 'volume', source: 'data', target: '/data', readOnly: false, noCopy: false },
          { type: 'volume', source: 'scratch', target: '/scratch', readOnly: true, noCopy: true },
          { type: 'tmpfs', target: '/run/tmp', size: 1048576, mode: 0o1777 },
        ],
        restart: { name: 'on-failure', maxRetries: 3 },
        healthcheck: { test: ['CMD-SHELL', 'true'], interval: 1e9, timeout: 1e9, retries: 3, startPeriod: 1e9 },
        labels: { 'com.example.role': 'db' },
        user: 'root',
        workingDir: '/data',
        hostname: 'database',
        capAdd: ['NET_ADMIN'],
        capDrop: ['MKNOD'],
        tmpfs: { '/cache': 'size=1m' },
        init: true,
        extraHosts: ['example.test:10.0.0.1'],
        dns: ['10.0.0.53'],
        sysctls: { 'net.core.somaxconn': '1024' },
        ulimits: { nofile: { soft: 1024, hard: 2048 } },
        logging: { driver: 'json-file', options: { 'max-size': '1m' } },
        stopSignal: 'SIGTERM',
        stopGracePeriod: 2e9,
        memLimit: 64 * 1024 * 1024,
        cpus: 5e8,
        ports: [{ target: 80, published: null, hostIp: '127.0.0.1', protocol: 'tcp' }],
      }),
      ctr('web', {
        entrypoint: ['/bin/sh', '-c'],
        command: ['exec sleep 3600'],
        init: true,
        networks: {
          default: { aliases: ['web', 'www'], ipv4Address: null },
          backend: { aliases: ['web'], ipv4Address: null },
          fixed: { aliases: ['web'], ipv4Address: '10.231.0.50' },
        },
        restart: { name: 'unless-stopped', maxRetries: 0 },
        privileged: false,
        readOnly: true,
      }, { db: { condition: 'service_healthy' } }),
    ],
    services: [
      svc('api', {
        replicas: 2,
        environment: { MODE: 'test' },
        entrypoint: ['/bin/sh', '-c'],
        command: ['exec sleep 3600'],
        secrets: [{ source: 'db_pw', target: 'db_pw', uid: '0', gid: '0', mode: 0o400 }],
        configs: [{ source: 'site', target: '/etc/site.conf', uid: '0', gid: '0', mode: 0o444 }],
        mounts: [{ type: 'volume', source: 'data', target: '/data', readOnly: true, noCopy: false }, { type: 'tmpfs', target: '/tmp', size: null, mode: null }],
        networks: { backend: { aliases: ['api', 'api-internal'] } },
        updateConfig: { parallelism: 1, delay: 1e9, failureAction: 'rollback', monitor: 5e9, maxFailureRatio: 0.1, order: 'start-first' },
        rollbackConfig: { parallelism: 2, delay: 0, failureAction: 'pause', monitor: 5e9, maxFailureRatio: 0, order: 'stop-first' },
        restartPolicy: { condition: 'on-failure', delay: 2e9, maxAttempts: 3, window: 10e9 },
        placement: { constraints: ['node.role==manager'], preferences: [{ spread: 'node.id' }], maxReplicas: 5 },
        resources: { limits: { cpus: 5e8, memory: 64 * 1024 * 1024, pids: 100 }, reservations: { cpus: 1e8, memory: 16 * 1024 * 1024 } },
        healthcheck: { test: ['CMD', 'true'], interval: 2e9, timeout: 1e9, retries: 2, startPeriod: null },
        labels: { 'com.example.team': 'api' },
        containerLabels: { 'com.example.task': 'yes' },
        user: 'root',
        workingDir: '/tmp',
        hostname: 'api-{{.Task.Slot}}',
        stopSignal: 'SIGINT',
        stopGracePeriod: 3e9,
        readOnly: true,
        init: true,
        logging: { driver: 'json-file', options: { 'max-file': '2', 'max-size': '1m' } },
        ports: [{ target: 53, published: null, protocol: 'udp', mode: 'host' }, { target: 80, published: null, protocol: 'tcp', mode: 'ingress' }],
      }),
      svc('agent', { mode: 'global', replicas: null, endpointMode: 'dnsrr', networks: { backend: { aliases: ['agent'] } }, command: ['/bin/sleep', '3600'], healthcheck: { test: [], interval: 30e9, timeout: null, retries: null, startPeriod: null } }),
    ],
  }), run.project);
}

describe('a project with every field moor models', () => {
  test('applies cleanly, and the next plan is empty', async () => {
    const desired = kitchenSink();
    const { plan, report } = await applyProject(run.engine, desired);
    assert.deepEqual(failures(report), []);
    assert.equal(plan.summary.create, 11);
    const second = await planAgainst(run.engine, desired);
    assert.deepEqual(second.plan.changes.map((c) => `${c.action} ${c.kind}/${c.name}: ${JSON.stringify(c.fields)}`), []);
    assert.deepEqual(second.plan.steps, []);
  });
});
