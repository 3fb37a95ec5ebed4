// Reading Engine objects back: zero values the Engine drops read as what the manifest's desired
// model holds for them, so a manifest that writes 0 has nothing to diff after its apply.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { containerSpecFromLabel, serviceSpecFromEngine } from '../../src/convert/from-engine.js';
import { CONTAINER_SPEC_FORMAT } from '../../src/convert/to-engine.js';
import { compareService } from '../../src/diff/compare.js';
import type { Service } from '../../src/engine/types.js';
import type { DesiredService } from '../../src/model/desired.js';
import { LABEL_CONTAINER_SPEC } from '../../src/model/labels.js';
import { desiredOf } from '../manifest/helpers.js';
import { containerSpec } from '../support/model.js';

const ZEROS = `project: shop
services:
  api:
    image: moor/busybox:latest
    command: ["sleep", "3600"]
    healthcheck: {test: ["CMD-SHELL", "true"], interval: 0s, timeout: 0s, retries: 0, start_period: 0s}
    volumes: [{type: tmpfs, target: /t, tmpfs: {size: 0, mode: 0}}]
    placement: {max_replicas_per_node: 0}
    resources: {limits: {memory: 0, pids: 0}, reservations: {memory: 0}}
    update_config: {parallelism: 0, delay: 0s, monitor: 0s, max_failure_ratio: 0}
    restart_policy: {delay: 0s, max_attempts: 0, window: 0s}
    stop_grace_period: 0s
    replicas: 0
`;

/** The spec Engine 20.10 (API 1.41) returns for a service created with every one of those zeros. */
const STORED: Service['Spec'] = {
  Name: 'shop_api',
  Labels: { 'io.moor.project': 'shop', 'io.moor.name': 'api' },
  TaskTemplate: {
    ContainerSpec: {
      Image: 'moor/busybox:latest',
      Args: ['sleep', '3600'],
      Mounts: [{ Type: 'tmpfs', Target: '/t', TmpfsOptions: {} }],
      StopGracePeriod: 0,
      Healthcheck: { Test: ['CMD-SHELL', 'true'] },
      Isolation: 'default',
    },
    Resources: { Limits: {}, Reservations: {} },
    RestartPolicy: { Condition: 'any', Delay: 0, MaxAttempts: 0, Window: 0 },
    Placement: {},
    Networks: [{ Target: 'n0', Aliases: ['api'] }],
    ForceUpdate: 0,
  },
  Mode: { Replicated: { Replicas: 0 } },
  UpdateConfig: { Parallelism: 0, FailureAction: 'pause', MaxFailureRatio: 0, Order: 'stop-first' },
  EndpointSpec: { Mode: 'vip' },
};

describe('zero values read back from the Engine', () => {
  test('a service created with zero settings reads back as the desired spec of the manifest that wrote them: nothing to update', async () => {
    const desired = (await desiredOf(ZEROS)).services.api as DesiredService;
    const observed = serviceSpecFromEngine(STORED, new Map([['n0', 'default']]));
    assert.deepEqual(compareService(desired.spec, observed), { action: 'none' });
  });

  test('a change from 0 to a value, and back, is an update each way', async () => {
    const desired = (await desiredOf(ZEROS.replace('max_replicas_per_node: 0', 'max_replicas_per_node: 2'))).services.api as DesiredService;
    const observed = serviceSpecFromEngine(STORED, new Map([['n0', 'default']]));
    const there = compareService(desired.spec, observed);
    assert.ok(there.action === 'update');
    assert.deepEqual(there.fields, [{ path: 'placement.maxReplicas', before: null, after: 2 }]);
    const back = compareService(observed, desired.spec);
    assert.ok(back.action === 'update');
    assert.deepEqual(back.fields, [{ path: 'placement.maxReplicas', before: 2, after: null }]);
  });

  test("a container label that an earlier moor wrote with zero healthcheck timings, tmpfs size or mode reads in today's form, so the container is not replaced for it", () => {
    const written = containerSpec('web', {
      healthcheck: { test: ['CMD', 'true'], interval: 0, timeout: 0, retries: 0, startPeriod: 0 },
      mounts: [{ type: 'tmpfs', target: '/t', size: 0, mode: 0 }],
      memLimit: 0,
      stopGracePeriod: 0,
    });
    const read = containerSpecFromLabel({ [LABEL_CONTAINER_SPEC]: JSON.stringify({ format: CONTAINER_SPEC_FORMAT, spec: written }) });
    assert.deepEqual(read, {
      ...written,
      healthcheck: { test: ['CMD', 'true'], interval: null, timeout: null, retries: null, startPeriod: null },
      mounts: [{ type: 'tmpfs', target: '/t', size: null, mode: null }],
      memLimit: null,
    });
  });
});
