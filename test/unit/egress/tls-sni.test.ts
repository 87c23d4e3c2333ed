import { once } from 'node:events';
import { createServer } from 'node:net';
import { connect } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { readSni } from '../../../src/egress/tls-sni.js';

/** The first bytes a real TLS client (node's, i.e. OpenSSL) sends for `servername`. */
async function clientHello(servername: string | undefined): Promise<Buffer> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const got = once(server, 'connection');
  const tls = connect({
    port,
    host: '127.0.0.1',
    ...(servername ? { servername } : {}),
    rejectUnauthorized: false,
  });
  tls.on('error', () => {});
  const [sock] = (await got) as [import('node:net').Socket];
  const [data] = (await once(sock, 'data')) as [Buffer];
  tls.destroy();
  sock.destroy();
  server.close();
  return data;
}

describe('readSni', () => {
  it('reads the server name from a real ClientHello', async () => {
    const hello = await clientHello('files.pythonhosted.org');
    expect(readSni(hello)).toEqual({ name: 'files.pythonhosted.org' });
  });

  it('asks for more bytes while the hello is incomplete', async () => {
    const hello = await clientHello('pypi.org');
    expect(readSni(hello.subarray(0, 3))).toBe('incomplete');
    expect(readSni(hello.subarray(0, hello.length - 1))).toBe('incomplete');
  });

  it('reports no name when the client sends none (an IP target)', async () => {
    expect(readSni(await clientHello(undefined))).toEqual({ name: null });
  });

  it('refuses what is not TLS', () => {
    expect(readSni(Buffer.from('GET / HTTP/1.1\r\n\r\n'))).toBe('not-tls');
    expect(readSni(Buffer.from('SSH-2.0-OpenSSH_9.6\r\n'))).toBe('not-tls');
  });

  it('never reads past a truncated extension (hostile lengths)', async () => {
    const hello = Buffer.from(await clientHello('pypi.org'));
    // Claim a huge session id: the parser must refuse, not read out of bounds.
    hello[5 + 4 + 2 + 32] = 0xff;
    expect(readSni(hello)).toBe('not-tls');
  });
});
