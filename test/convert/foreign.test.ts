import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foreignUse, type ProjectNames } from '../../src/convert/from-engine.js';
import type { ContainerSummary, Service } from '../../src/engine/types.js';

const own: ProjectNames = {
  serviceIds: new Set(['svc-own']),
  networks: new Set(['net-own']),
  volumes: new Set(['shop_data']),
  secrets: new Set(['shop_pw_1', 'shop_pw_2']),
  configs: new Set(['shop_site_a']),
};

const container = (name: string, labels: Record<string, string>, extra: Record<string, unknown> = {}): ContainerSummary => ({ Id: `id-${name}`, Names: [`/${name}`], Image: 'x', State: 'running', Labels: labels, ...extra });
const volumeMount = (name: string) => ({ Type: 'volume', Name: name, Source: `/var/lib/docker/volumes/${name}/_data`, Destination: '/d' });
const service = (name: string, labels: Record<string, string>, containerSpec: Record<string, unknown>, extra: Partial<Service> = {}): Service => ({
  ID: `id-${name}`,
  Version: { Index: 1 },
  Spec: { Name: name, Labels: labels, TaskTemplate: { ContainerSpec: { Image: 'x', ...containerSpec } } },
  ...extra,
});
const secretRef = (name: string) => ({ SecretName: name, SecretID: `id-${name}`, File: { Name: name, UID: '0', GID: '0', Mode: 292 } });

test("the project's volumes that containers it does not own mount, with who they are; its own containers and its own services' tasks are not foreign", () => {
  const use = foreignUse('shop', [
    container('shop_db', { 'io.moor.project': 'shop' }, { Mounts: [volumeMount('shop_data')] }),
    container('shop_api.1.abc', { 'com.docker.swarm.service.id': 'svc-own', 'com.docker.swarm.service.name': 'shop_api' }, { Mounts: [volumeMount('shop_data')] }),
    container('x.1.def', { 'com.docker.swarm.service.id': 'svc-x', 'com.docker.swarm.service.name': 'x' }, { Mounts: [volumeMount('shop_data')], State: 'exited' }),
    container('blog_db', { 'io.moor.project': 'blog' }, { Mounts: [volumeMount('shop_data'), volumeMount('blog_data')] }),
    container('foreign', {}, { Mounts: [volumeMount('shop_data'), { Type: 'bind', Source: '/tmp', Destination: '/t' }] }),
  ], [], own);
  assert.deepEqual(use.volumes, new Map([['shop_data', [
    { kind: 'container', engineName: 'blog_db', ownerProject: 'blog', taskOf: null },
    { kind: 'container', engineName: 'foreign', ownerProject: null, taskOf: null },
    { kind: 'container', engineName: 'x.1.def', ownerProject: null, taskOf: 'x' },
  ]]]));
});

test('host ports: those foreign containers publish (a stopped one publishes none), and foreign services publish in ingress mode', () => {
  const use = foreignUse('shop', [
    container('shop_web', { 'io.moor.project': 'shop' }, { Ports: [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }] }),
    container('foreign', {}, { Ports: [{ IP: '127.0.0.1', PrivatePort: 80, PublicPort: 18932, Type: 'tcp' }, { IP: '::', PrivatePort: 53, PublicPort: 5353, Type: 'udp' }] }),
    container('stopped', {}, { State: 'exited', Ports: [{ PrivatePort: 80, Type: 'tcp' }] }),
  ], [
    service('mesh', {}, {}, { Endpoint: { Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 9000, PublishMode: 'ingress' }, { Protocol: 'udp', TargetPort: 53, PublishedPort: 9053, PublishMode: 'host' }] } }),
    service('shop_api', { 'io.moor.project': 'shop' }, {}, { Endpoint: { Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 9001, PublishMode: 'ingress' }] } }),
  ], own);
  const holder = (kind: 'container' | 'service', engineName: string) => ({ kind, engineName, ownerProject: null, taskOf: null });
  assert.deepEqual(use.ports, [
    { holder: holder('container', 'foreign'), mode: 'bind', hostIp: '127.0.0.1', port: 18932, protocol: 'tcp' },
    { holder: holder('container', 'foreign'), mode: 'bind', hostIp: '::', port: 5353, protocol: 'udp' },
    { holder: holder('service', 'mesh'), mode: 'ingress', hostIp: '', port: 9000, protocol: 'tcp' },
  ]);
});

test("the project's secret and config versions that foreign services use, in their spec or their rollback target", () => {
  const use = foreignUse('shop', [], [
    service('foreign-svc', {}, { Secrets: [secretRef('shop_pw_1'), secretRef('other_pw')] }, { PreviousSpec: { Name: 'foreign-svc', TaskTemplate: { ContainerSpec: { Secrets: [secretRef('shop_pw_2')], Configs: [{ ConfigName: 'shop_site_a', ConfigID: 'c', File: { Name: '/site' } }] } } } }),
    service('shop_api', { 'io.moor.project': 'shop' }, { Secrets: [secretRef('shop_pw_2')] }),
  ], own);
  const user = { kind: 'service', engineName: 'foreign-svc', ownerProject: null, taskOf: null };
  assert.deepEqual(use.secrets, new Map([['shop_pw_1', [user]], ['shop_pw_2', [user]]]));
  assert.deepEqual(use.configs, new Map([['shop_site_a', [user]]]));
});

test("the project's networks that services it does not own are attached to (Swarm will not remove them); its own services are not foreign", () => {
  const attached = (target: string) => ({ TaskTemplate: { ContainerSpec: { Image: 'x' }, Networks: [{ Target: target }] } });
  const use = foreignUse('shop', [], [
    { ...service('shop_api', { 'io.moor.project': 'shop' }, {}), Spec: { Name: 'shop_api', Labels: { 'io.moor.project': 'shop' }, ...attached('net-own') } },
    { ...service('other', {}, {}), Spec: { Name: 'other', Labels: {}, ...attached('net-own') } },
    { ...service('elsewhere', {}, {}), Spec: { Name: 'elsewhere', Labels: {}, ...attached('net-else') } },
  ], own);
  assert.deepEqual(use.networks, new Map([['net-own', [{ kind: 'service', engineName: 'other', ownerProject: null, taskOf: null }]]]));
});
