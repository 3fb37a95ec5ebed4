import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findSource, sinceFrom, tailFrom } from '../../src/cli/commands/logs.js';
import { ctr, project, svc } from '../support/model.js';

describe('moor logs options', () => {
  test('--since takes a duration back from now, a date or Unix seconds', () => {
    const now = Date.parse('2026-01-02T15:00:00Z');
    assert.equal(sinceFrom('10m', now), Date.parse('2026-01-02T14:50:00Z') / 1000);
    assert.equal(sinceFrom('2026-01-02T14:00:00Z', now), Date.parse('2026-01-02T14:00:00Z') / 1000);
    assert.equal(sinceFrom('1767362400.5', now), 1767362400.5);
    assert.throws(() => sinceFrom('yesterday', now), /--since must be a duration \(10m, 1h30m\), a date .* not 'yesterday'/);
  });

  test('--tail takes a number of lines or all', () => {
    assert.equal(tailFrom('20'), 20);
    assert.equal(tailFrom('all'), undefined);
    assert.throws(() => tailFrom('-3'), /--tail must be a number of lines or 'all', not '-3'/);
  });

  test('a name shared by a container and a service must say which', () => {
    const desired = project({ containers: [ctr('web')], services: [svc('web'), svc('api')] });
    assert.throws(() => findSource(desired, 'web'), /both a container and a service are named web: say which, with container\/web or service\/web/);
    assert.equal(findSource(desired, 'service/web').kind, 'service');
    assert.equal(findSource(desired, 'container/web').engineName, 'shop_web');
    assert.equal(findSource(desired, 'api').kind, 'service');
    assert.throws(() => findSource(desired, 'network/web'), /only containers and services have logs/);
  });
});
