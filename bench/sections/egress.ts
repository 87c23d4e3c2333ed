import { request as httpRequest } from 'node:http';
import { type RequestOptions, request as httpsRequest } from 'node:https';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tryRunCommand } from '../../src/exec/run-command.js';
import { ruleFromEntry } from '../../src/egress/allowlist.js';
import { EgressProxy } from '../../src/egress/proxy.js';
import { startEgressUpstream } from '../../test/helpers/egress-upstream.js';
import { writeWheelIndex } from '../../test/helpers/pypi-index.js';
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
  /**
   * `pip install --require-hashes` of one wheel from a PEP 503 index on that server
   * (the install phase's traffic), the host's pip, direct vs through the proxy; each
   * run a fresh process and target folder, so pip's start-up is in both.
   */
  pip?: { reps: number; direct: Summary; proxied: Summary };
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

export async function benchEgress(requests: number, pipReps = 0): Promise<EgressBench> {
  const work = mkdtempSync(join(tmpdir(), 'airlock-bench-egress-'));
  const wheel = writeWheelIndex(join(work, 'index'), {
    name: 'airlock-demo',
    version: '1.0',
    module: 'airlock_demo',
    source: 'def answer():\n    return 42\n',
  });
  writeFileSync(join(work, 'requirements.txt'), `airlock-demo==1.0 --hash=sha256:${wheel.sha256}\n`);
  const upstream = await startEgressUpstream(['index.test'], { staticDir: join(work, 'index') });
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
    const pip = pipReps > 0 ? await benchPip(pipReps, work, upstream.certFile, port) : undefined;
    return {
      requests,
      http: { direct: summarize(samples.http[0]!), proxied: summarize(samples.http[1]!) },
      https: { direct: summarize(samples.https[0]!), proxied: summarize(samples.https[1]!) },
      ...(pip ? { pip } : {}),
    };
  } finally {
    await proxy.close();
    await upstream.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The host's pip, as the install phase runs it in the sandbox, direct (index.test
 * resolved through /etc/hosts for the run, restored after) and with `--proxy` (the proxy
 * resolves through its own table): the difference is what the proxy adds to an install.
 */
async function benchPip(reps: number, work: string, cert: string, proxyPort: number) {
  const hostsBefore = readFileSync('/etc/hosts', 'utf8');
  appendFileSync('/etc/hosts', '\n198.51.100.1 index.test # airlock bench egress\n');
  const once = async (proxied: boolean) => {
    const target = mkdtempSync(join(work, 'target-'));
    const t = performance.now();
    const r = await tryRunCommand('python3', [
      ...['-m', 'pip', 'install', '--isolated', '--no-input', '--disable-pip-version-check'],
      ...['--no-cache-dir', '--quiet', '--require-hashes', '--only-binary=:all:', '--no-compile'],
      ...['--target', target, '--index-url', 'https://index.test/pypi/simple/', '--cert', cert],
      ...(proxied ? ['--proxy', `http://127.0.0.1:${proxyPort}`] : []),
      ...['--requirement', join(work, 'requirements.txt')],
    ]);
    const ms = performance.now() - t;
    rmSync(target, { recursive: true, force: true });
    if (r.exitCode !== 0)
      throw new Error(`pip install failed (${proxied ? 'proxied' : 'direct'}): ${r.stderr.slice(-500)}`);
    return ms;
  };
  try {
    const direct: number[] = [];
    const proxied: number[] = [];
    for (let i = 0; i < reps; i++) {
      direct.push(await once(false));
      proxied.push(await once(true));
    }
    return { reps, direct: summarize(direct), proxied: summarize(proxied) };
  } finally {
    writeFileSync('/etc/hosts', hostsBefore);
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
