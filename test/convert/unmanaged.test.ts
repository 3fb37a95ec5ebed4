import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { serviceBody } from '../../src/convert/to-engine.js';
import { unmanagedFields, withUnmanaged } from '../../src/convert/unmanaged.js';
import type { ServiceSpec } from '../../src/model/desired.js';
import { serviceSpec } from '../support/model.js';

const update = { parallelism: 1, delay: 1e9, failureAction: 'rollback', monitor: 5e9, maxFailureRatio: 0, order: 'start-first' } as const;

/** Every field set, so that serviceBody writes everything it can. */
const everything: ServiceSpec = serviceSpec('api', {
  entrypoint: ['/bin/sh'],
  command: ['-c', 'sleep 1'],
  environment: { A: '1' },
  ports: [{ target: 80, published: 8080, protocol: 'tcp', mode: 'ingress' }],
  mounts: [{ type: 'volume', source: 'data', target: '/data', readOnly: false, noCopy: false }],
  secrets: [{ source: 'pw', target: 'pw', uid: '0', gid: '0', mode: 0o444 }],
  configs: [{ source: 'site', target: '/site', uid: '0', gid: '0', mode: 0o444 }],
  updateConfig: update,
  rollbackConfig: update,
  restartPolicy: { condition: 'on-failure', delay: 1e9, maxAttempts: 3, window: 1e9 },
  placement: { constraints: ['node.role==manager'], preferences: [{ spread: 'node.labels.zone' }], maxReplicas: 2 },
  resources: { limits: { cpus: 5e8, memory: 1 << 20, pids: 10 }, reservations: { cpus: 1e8, memory: 1 << 19 } },
  healthcheck: { test: ['CMD', 'true'], interval: 1e9, timeout: 1e9, retries: 3, startPeriod: 1e9 },
  labels: { a: 'b' },
  containerLabels: { c: 'd' },
  user: 'nobody',
  workingDir: '/tmp',
  hostname: 'api',
  stopSignal: 'SIGINT',
  stopGracePeriod: 1e9,
  readOnly: true,
  init: true,
  logging: { driver: 'json-file', options: { 'max-size': '1m' } },
});

describe('the fields of a service moor does not manage', () => {
  test('are none of those moor writes: the list of managed fields covers everything serviceBody sends', () => {
    const body = serviceBody('shop_api', everything, { project: 'shop', name: 'api' }, { networkIds: new Map(), secretIds: new Map([['pw', 'sid']]), configIds: new Map([['site', 'cid']]) }, { dependsOn: ['db'], forceUpdate: 3 });
    assert.deepEqual(unmanagedFields(body), {});
  });

  test('set by hand (docker service update --dns-add, --host-add, --cap-add, --sysctl-add, --ulimit-add, a generic resource), they are found and sent back; what moor manages is not', () => {
    const byHand = {
      DNSConfig: { Nameservers: ['9.9.9.9'] },
      Hosts: ['10.0.0.1 foo'],
      CapabilityAdd: ['NET_ADMIN'],
      Sysctls: { 'net.core.somaxconn': '1024' },
      Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }],
      Isolation: 'default',
    };
    const live = {
      Name: 'shop_api',
      Labels: { a: 'old' },
      TaskTemplate: {
        ContainerSpec: { Image: 'old', Env: ['A=0'], ...byHand, Healthcheck: { Test: ['CMD', 'old'] } },
        Resources: { Limits: { MemoryBytes: 5 }, Reservations: { GenericResources: [{ DiscreteResourceSpec: { Kind: 'gpu', Value: 1 } }] } },
        Placement: { Constraints: ['x'], Platforms: [{ Architecture: 'amd64', OS: 'linux' }] },
        ForceUpdate: 2,
        Runtime: 'container',
      },
      Mode: { Replicated: { Replicas: 2 } },
      EndpointSpec: { Mode: 'vip' },
    };
    const kept = unmanagedFields(live);
    assert.deepEqual(kept, {
      TaskTemplate: {
        ContainerSpec: byHand,
        Resources: { Reservations: { GenericResources: [{ DiscreteResourceSpec: { Kind: 'gpu', Value: 1 } }] } },
        Runtime: 'container',
      },
    });
    // The manifest has no healthcheck any more: it goes (managed), while the DNS set by hand stays.
    const body = serviceBody('shop_api', serviceSpec('api'), { project: 'shop', name: 'api' }, { networkIds: new Map(), secretIds: new Map(), configIds: new Map() }, { dependsOn: [], forceUpdate: 2 });
    const sent = withUnmanaged(body, kept);
    const container = sent.TaskTemplate.ContainerSpec as Record<string, unknown>;
    assert.equal(container['Healthcheck'], undefined);
    assert.deepEqual(container['DNSConfig'], { Nameservers: ['9.9.9.9'] });
    assert.equal(container['Image'], body.TaskTemplate.ContainerSpec?.Image, 'what moor manages is the manifest\'s');
    assert.deepEqual((sent.TaskTemplate.Placement as Record<string, unknown>)['Constraints'], []);
    assert.deepEqual(withUnmanaged(body, {}), body);
  });
});
