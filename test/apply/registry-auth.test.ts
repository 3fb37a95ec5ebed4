import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadDockerConfigAuth, registryOf } from '../../src/apply/registry-auth.js';

const configDir = (config: unknown): string => {
  const dir = mkdtempSync(join(tmpdir(), 'moor-dockercfg-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
};

describe('registry credentials from the Docker config', () => {
  test('an image names its registry by a first path part that looks like a host, else Docker Hub', () => {
    assert.equal(registryOf('busybox'), 'docker.io');
    assert.equal(registryOf('library/busybox:1'), 'docker.io');
    assert.equal(registryOf('ghcr.io/org/app:1'), 'ghcr.io');
    assert.equal(registryOf('127.0.0.1:5000/app'), '127.0.0.1:5000');
    assert.equal(registryOf('localhost/app'), 'localhost');
  });

  test('auths entries give username and password, or an identity token, per registry', () => {
    const dir = configDir({ auths: {
      '127.0.0.1:5000': { auth: Buffer.from('alice:s3cr:et').toString('base64') },
      'https://index.docker.io/v1/': { auth: Buffer.from('bob:hub').toString('base64') },
      'ghcr.io': { identitytoken: 'tok' },
    } });
    const { lookup, notes } = loadDockerConfigAuth({ DOCKER_CONFIG: dir });
    assert.deepEqual(notes, []);
    assert.deepEqual(lookup('127.0.0.1:5000/app:1'), { username: 'alice', password: 's3cr:et', serveraddress: '127.0.0.1:5000' });
    assert.deepEqual(lookup('nginx:1.27'), { username: 'bob', password: 'hub', serveraddress: 'https://index.docker.io/v1/' });
    assert.deepEqual(lookup('ghcr.io/org/app'), { identitytoken: 'tok', serveraddress: 'ghcr.io' });
    assert.equal(lookup('quay.io/x'), undefined);
  });

  test('a missing config means no credentials; a credential helper is named, not run', () => {
    assert.equal(loadDockerConfigAuth({ DOCKER_CONFIG: join(tmpdir(), 'does-not-exist-moor') }).lookup('x'), undefined);
    const { notes } = loadDockerConfigAuth({ DOCKER_CONFIG: configDir({ credsStore: 'desktop' }) });
    assert.match(notes[0] ?? '', /names a credential helper, which moor does not run/);
  });
});
