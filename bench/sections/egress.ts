import { request as httpRequest } from 'node:http';
import { type RequestOptions, request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { ruleFromEntry } from '../../src/egress/allowlist.js';
import { EgressProxy } from '../../src/egress/proxy.js';
import { startEgressUpstream } from '../../test/helpers/egress-upstream.js';
import { type Summary, summarize } from '../lib/stats.js';

/**
 * What the egress proxy adds to one request (docs/egress.md): the same request to a real
 * server in its own network namespace, directly and through the proxy, each on a fresh
 * connection (the proxy never pools), plain HTTP and HTTPS (CONNECT + SNI check).
 */
export interface EgressBench {
  requests: number;
  http: { direct: Summary; proxied: Summary };
  https: { direct: Summary; proxied: Summary };
}

function timeOne(send: () => Promise<void>): Promise<number> {
  const t = performance.now();
  return send().then(() => performance.now() - t);
}

function get(opts: RequestOptions, tls = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = (tls ? httpsRequest : httpRequest)(opts, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

export async function benchEgress(requests: number): Promise<EgressBench> {
  const upstream = await startEgressUpstream(['index.test']);
  const ca = readFileSync(upstream.certFile);
  const proxy = new EgressProxy({
    rules: [ruleFromEntry('index.test:80'), ruleFromEntry('index.test:443')],
    byteBudget: 1024 ** 3,
    resolve: async () => [upstream.address],
    ownAddresses: new Set([upstream.hostSide]),
  });
  try {
    await proxy.listen(0);
    const port = (proxy.address() as { port: number }).port;
    const direct = {
      host: upstream.address,
      port: 80,
      path: '/simple/',
      agent: false,
      headers: { host: 'index.test' },
    };
    const viaProxy = {
      host: '127.0.0.1',
      port,
      path: 'http://index.test/simple/',
      agent: false,
      headers: { host: 'index.test' },
    };
    const tlsDirect = {
      host: upstream.address,
      port: 443,
      path: '/simple/',
      agent: false,
      servername: 'index.test',
      ca,
      headers: { host: 'index.test' },
    };
    const samples = { http: [[], []] as number[][], https: [[], []] as number[][] };
    for (let i = 0; i < requests; i++) {
      samples.http[0]!.push(await timeOne(() => get(direct)));
      samples.http[1]!.push(await timeOne(() => get(viaProxy)));
      samples.https[0]!.push(await timeOne(() => get(tlsDirect, true)));
      samples.https[1]!.push(await timeOne(() => tlsThroughProxy(port, ca)));
    }
    return {
      requests,
      http: { direct: summarize(samples.http[0]!), proxied: summarize(samples.http[1]!) },
      https: { direct: summarize(samples.https[0]!), proxied: summarize(samples.https[1]!) },
    };
  } finally {
    await proxy.close();
    await upstream.stop();
  }
}

/** CONNECT, then TLS with SNI over the tunnel, then one GET: what pip or requests does. */
async function tlsThroughProxy(proxyPort: number, ca: Buffer): Promise<void> {
  const { connect } = await import('node:net');
  const tls = await import('node:tls');
  const raw = connect(proxyPort, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    raw.once('connect', () => resolve());
    raw.once('error', reject);
  });
  raw.write('CONNECT index.test:443 HTTP/1.1\r\nHost: index.test:443\r\n\r\n');
  await new Promise<void>((resolve) => raw.once('data', () => resolve()));
  const s = tls.connect({ socket: raw, servername: 'index.test', ca });
  await new Promise<void>((resolve, reject) => {
    s.once('secureConnect', () => resolve());
    s.once('error', reject);
  });
  s.write('GET /simple/ HTTP/1.1\r\nHost: index.test\r\nConnection: close\r\n\r\n');
  await new Promise<void>((resolve, reject) => {
    s.on('data', () => {});
    s.once('end', () => resolve());
    s.once('error', reject);
  });
  s.destroy();
}
