import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ruleFromEntry } from '../../../src/egress/allowlist.js';
import { type EgressRecord, EgressProxy } from '../../../src/egress/proxy.js';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { type EgressUpstream, startEgressUpstream } from '../../helpers/egress-upstream.js';

// The egress proxy against a real upstream: a server in its own network namespace at
// 198.51.100.1 (reached through a veth pair), real curl and TLS clients on loopback.
// Names resolve through a fixed table (the proxy's resolver is its own by design), so
// a name can be made to "resolve" to loopback or the metadata address.
const UPSTREAM = '198.51.100.1';
const NAMES: Record<string, string[]> = {
  'index.test': [UPSTREAM],
  'other.test': [UPSTREAM],
  'evil.test': [UPSTREAM],
  'rebind.test': ['127.0.0.1'],
  'metadata.test': ['169.254.169.254'],
  'mapped.test': ['::ffff:127.0.0.1'],
};

let dir: string;
let upstream: EgressUpstream;
let proxy: EgressProxy;
let proxyUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'airlock-egress-'));
  upstream = await startEgressUpstream(['index.test', 'other.test']);
  proxy = new EgressProxy({
    rules: [
      ruleFromEntry('index.test:443'),
      {
        ...ruleFromEntry('index.test:80'),
        methods: ['GET', 'POST'],
        paths: ['/simple/', '/redirect-', '/upload', '/big'],
      },
      ruleFromEntry('rebind.test:80'),
      ruleFromEntry('metadata.test:80'),
      ruleFromEntry('mapped.test:80'),
    ],
    byteBudget: 128 * 1024,
    resolve: async (host) => {
      const a = NAMES[host];
      if (!a) throw new Error('ENOTFOUND');
      return a;
    },
    // The veth's host side is ours: proves the runner's own addresses are refused too.
    ownAddresses: new Set(['198.51.100.2', '127.0.0.1']),
  });
  await proxy.listen(0);
  const a = proxy.address();
  if (a === null || typeof a === 'string') throw new Error('no proxy port');
  proxyUrl = `http://127.0.0.1:${a.port}`;
}, 660_000); // may wait for another test's upstream (egress-upstream.ts: one at a time)

afterAll(async () => {
  await proxy?.close();
  await upstream?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function curl(args: string[]): Promise<{ code: number; body: string }> {
  const r = await tryRunCommand('curl', [
    '-sS',
    '--max-time',
    '10',
    '--proxy',
    proxyUrl,
    '--cacert',
    upstream.certFile,
    '-o',
    '-',
    '-w',
    '\n%{http_code}',
    ...args,
  ]);
  const lines = r.stdout.trimEnd().split('\n');
  return { code: Number(lines.at(-1)), body: lines.slice(0, -1).join('\n') };
}

function lastRecord(): EgressRecord {
  const r = proxy.records.at(-1);
  if (!r) throw new Error('no record');
  return r;
}

async function settled(): Promise<void> {
  // Records land when a connection closes; let the proxy see the close.
  await new Promise((r) => setTimeout(r, 100));
}

describe('egress proxy (real upstream in a network namespace, real curl)', () => {
  it('lets an allowed plain-HTTP GET through and records method, host, path and bytes', async () => {
    const r = await curl(['http://index.test/simple/pkg/']);
    expect(r.code).toBe(200);
    expect(r.body).toContain('upstream GET /simple/pkg/ host=index.test');
    await settled();
    expect(lastRecord()).toMatchObject({
      method: 'GET',
      host: 'index.test',
      port: 80,
      path: '/simple/pkg/',
      allowed: true,
    });
    expect(lastRecord().bytesDown).toBeGreaterThan(30);
  });

  it('lets an allowed HTTPS request through a CONNECT tunnel whose SNI matches', async () => {
    const r = await curl(['https://index.test/simple/']);
    expect(r.code).toBe(200);
    expect(r.body).toContain('upstream GET /simple/ host=index.test');
    await settled();
    expect(lastRecord()).toMatchObject({ method: 'CONNECT', host: 'index.test', port: 443, allowed: true });
    expect(lastRecord().path).toBeUndefined();
  });

  it.each([
    ['a name not on the list', 'http://other.test/simple/', 'host not on the allowlist'],
    ['an IP literal', `http://${UPSTREAM}/simple/`, 'IP literal'],
    ['a path not on the list', 'http://index.test/admin', 'not allowed for index.test'],
    ['a name that resolves to loopback', 'http://rebind.test/', 'loopback'],
    ['a name that resolves to the metadata address', 'http://metadata.test/latest/meta-data/', 'link-local'],
    ['a name that resolves to IPv4-mapped loopback', 'http://mapped.test/', 'IPv4-mapped'],
    ['a port not on the list', 'http://index.test:8080/simple/', 'port 8080 not allowed'],
  ])('denies and records %s', async (_what, url, reason) => {
    const r = await curl([url]);
    expect(r.code).toBe(403);
    await settled();
    expect(lastRecord().allowed).toBe(false);
    expect(lastRecord().reason).toContain(reason);
  });

  it('denies an HTTPS CONNECT to a name not on the list before any TLS', async () => {
    const r = await curl(['https://other.test/simple/']);
    expect(r.code).not.toBe(200);
    await settled();
    expect(lastRecord()).toMatchObject({ method: 'CONNECT', host: 'other.test', allowed: false });
  });

  it('denies a Host header that is not the URL host', async () => {
    const r = await curl(['-H', 'Host: evil.test', 'http://index.test/simple/']);
    expect(r.code).toBe(403);
    await settled();
    expect(lastRecord().reason).toContain('Host header');
  });

  it('refuses a redirect to a host not on the list, follows one on it', async () => {
    const out = await curl(['http://index.test/redirect-out']);
    expect(out.code).toBe(403);
    await settled();
    expect(lastRecord()).toMatchObject({ allowed: false, path: '/redirect-out' });
    expect(lastRecord().reason).toContain('redirect to a host not on the allowlist (evil.test)');
    const inside = await curl(['-L', 'http://index.test/redirect-in']);
    expect(inside.code).toBe(200);
  });

  it('denies a tunnel whose TLS server name is not the CONNECT host (domain fronting)', async () => {
    const before = proxy.records.length;
    const port = Number(new URL(proxyUrl).port);
    const raw = netConnect(port, '127.0.0.1');
    await new Promise<void>((resolve) => raw.once('connect', () => resolve()));
    raw.write('CONNECT index.test:443 HTTP/1.1\r\nHost: index.test:443\r\n\r\n');
    await new Promise<void>((resolve) => raw.once('data', () => resolve()));
    const tls = tlsConnect({ socket: raw, servername: 'other.test', rejectUnauthorized: false });
    const outcome = await new Promise<string>((resolve) => {
      tls.once('secureConnect', () => resolve('handshake completed'));
      tls.once('error', (e) => resolve(`error: ${e.message}`));
      tls.once('close', () => resolve('closed'));
    });
    tls.destroy();
    expect(outcome).not.toBe('handshake completed');
    await settled();
    expect(proxy.records.length).toBe(before + 1);
    expect(lastRecord().reason).toBe('TLS server name "other.test" is not the CONNECT host');
  });

  it('denies a tunnel that carries something other than TLS, and a client that is not HTTP', async () => {
    const port = Number(new URL(proxyUrl).port);
    const tunnel = netConnect(port, '127.0.0.1');
    tunnel.write('CONNECT index.test:443 HTTP/1.1\r\nHost: index.test:443\r\n\r\n');
    await new Promise<void>((resolve) => tunnel.once('data', () => resolve()));
    tunnel.write('SSH-2.0-OpenSSH_9.6\r\n');
    await new Promise<void>((resolve) => tunnel.once('close', () => resolve()));
    expect(lastRecord().reason).toContain('tunnel does not carry TLS');

    const garbage = netConnect(port, '127.0.0.1');
    garbage.write('\x16\x03\x01 not http at all\r\n\r\n');
    await new Promise<void>((resolve) => garbage.once('close', () => resolve()));
    await settled();
    expect(lastRecord()).toMatchObject({ allowed: false, reason: 'not HTTP' });
  });

  it('cuts an upload past the run byte budget and records it', async () => {
    const body = path.join(dir, 'upload.bin');
    writeFileSync(body, Buffer.alloc(512 * 1024, 1));
    await curl(['--data-binary', `@${body}`, 'http://index.test/upload']);
    await settled();
    expect(lastRecord()).toMatchObject({
      method: 'POST',
      path: '/upload',
      allowed: false,
      reason: 'byte budget exceeded',
    });
    expect(lastRecord().bytesUp).toBeLessThanOrEqual(512 * 1024);
    // Once spent, the budget stays spent for the run.
    const after = await curl(['http://index.test/simple/']);
    expect(after.code).not.toBe(200);
    expect(readFileSync(body).length).toBe(512 * 1024);
  });
});
