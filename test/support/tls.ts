// Test TLS material made with openssl, and a TLS-terminating forwarder in front of the real Engine
// socket, so tcp:// + DOCKER_TLS_VERIFY can be tested against the real Engine.
import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createServer } from 'node:tls';
import type { Server } from 'node:tls';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function openssl(cwd: string, ...args: string[]): Promise<void> {
  await run('openssl', args, { cwd });
}

/** A CA in `dir`: ca.pem and ca-key.pem. */
export async function createCa(dir: string, name: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '1', '-subj', `/CN=${name}`);
}

/** A key and a certificate signed by the CA in `caDir`, written as `<prefix>key.pem` and `<prefix>cert.pem` in `dir`. */
export async function issueCertificate(caDir: string, dir: string, prefix: string, options: { cn: string; san?: string; client?: boolean }): Promise<void> {
  await mkdir(dir, { recursive: true });
  const key = join(dir, `${prefix}key.pem`);
  const csr = join(dir, `${prefix}csr.pem`);
  const ext = join(dir, `${prefix}ext.cnf`);
  await openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${options.cn}`);
  const lines = [options.client === true ? 'extendedKeyUsage = clientAuth' : 'extendedKeyUsage = serverAuth'];
  if (options.san !== undefined) lines.push(`subjectAltName = ${options.san}`);
  await writeFile(ext, `${lines.join('\n')}\n`);
  await openssl(dir, 'x509', '-req', '-in', csr, '-CA', join(caDir, 'ca.pem'), '-CAkey', join(caDir, 'ca-key.pem'), '-CAcreateserial', '-out', join(dir, `${prefix}cert.pem`), '-days', '1', '-extfile', ext);
  await chmod(key, 0o600);
}

/** Listens on 127.0.0.1 with TLS (client certificates required) and pipes each connection to `socketPath`. */
export async function startTlsForwarder(serverDir: string, socketPath: string): Promise<{ port: number; server: Server }> {
  const server = createServer(
    {
      key: await readFile(join(serverDir, 'server-key.pem')),
      cert: await readFile(join(serverDir, 'server-cert.pem')),
      ca: await readFile(join(serverDir, 'ca.pem')),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (tlsSocket) => {
      const upstream = connect(socketPath);
      tlsSocket.pipe(upstream).pipe(tlsSocket);
      const close = (): void => {
        tlsSocket.destroy();
        upstream.destroy();
      };
      tlsSocket.on('error', close);
      upstream.on('error', close);
    },
  );
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server };
}
