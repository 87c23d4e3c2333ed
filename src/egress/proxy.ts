import { lookup } from 'node:dns/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer, request } from 'node:http';
import { type Socket, connect } from 'node:net';
import type { EgressRequest } from '../report/types.js';
import { forbiddenAddressReason, hostAddresses } from './address-policy.js';
import { type EgressRule, matchEgress, normalizeHost } from './allowlist.js';
import { MAX_CLIENT_HELLO, readSni } from './tls-sni.js';

/**
 * The sandbox's only way out: an HTTP proxy Airlock runs on the host, reached from the
 * container through a mounted unix socket (the container keeps `--network none`).
 *
 * Written here rather than configured (squid, tinyproxy) because every request must
 * land in the audit log with the reason for its decision, and the checks that make an
 * allowlist hold are ones those proxies do not make together: the proxy resolves the
 * name itself and dials only the address it checked (no DNS rebinding, no resolver in
 * the container); it refuses loopback, private, link-local, metadata, NAT64 and the
 * runner's own addresses; a CONNECT tunnel must carry TLS whose SNI is the CONNECT
 * name (no domain fronting, no other protocol through port 443); a plain request's
 * Host must be its URL's host; a redirect to a host not on the list is refused; each
 * request or tunnel gets its own upstream connection; and one byte budget bounds a
 * whole run, up and down.
 */

/** One request or tunnel, as the report and the audit log record it. */
export type EgressRecord = EgressRequest;

export interface EgressProxyOptions {
  rules: readonly EgressRule[];
  /** Bytes up + down for the whole run; past it, connections are cut and recorded. */
  byteBudget: number;
  /** Name resolution, the proxy's own (default: the host's resolver, every address). */
  resolve?: (host: string) => Promise<string[]>;
  /** Addresses of this host, refused like loopback (default: every interface's). */
  ownAddresses?: ReadonlySet<string>;
  /** How long a client may take to send its TLS ClientHello. */
  helloTimeoutMs?: number;
  onRecord?: (record: EgressRecord) => void;
  /**
   * Deny every request with this reason, whatever `rules` say: the script's run after an
   * install phase (docs/egress.md), which has no egress but whose attempts are recorded.
   */
  refuseAll?: string;
}

async function resolveAll(host: string): Promise<string[]> {
  return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
}

export class EgressProxy {
  /** One slot per request, reserved when it arrives: records read in arrival order. */
  private readonly slots: (EgressRecord | undefined)[] = [];
  private readonly server: Server;
  private readonly opts: Required<Omit<EgressProxyOptions, 'onRecord' | 'refuseAll'>> &
    Pick<EgressProxyOptions, 'onRecord' | 'refuseAll'>;
  private bytesUsed = 0;
  /** Set by close(): a request still resolving its name when the session closed dials nothing. */
  private closed = false;
  private readonly open = new Set<Socket>();

  constructor(options: EgressProxyOptions) {
    this.opts = {
      resolve: resolveAll,
      ownAddresses: hostAddresses(),
      helloTimeoutMs: 10_000,
      ...options,
    };
    this.server = createServer((req, res) => void this.onRequest(req, res));
    this.server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      void this.onConnect(req, socket, head);
    });
    this.server.on('connection', (s: Socket) => {
      this.open.add(s);
      s.on('close', () => this.open.delete(s));
    });
    // A client that speaks something other than HTTP gets a 400 and a record.
    this.server.on('clientError', (_err, socket: Socket) => {
      this.record({
        method: '-',
        host: '-',
        port: 0,
        bytesUp: 0,
        bytesDown: 0,
        allowed: false,
        reason: 'not HTTP',
      });
      socket.destroy();
    });
  }

  /** Listens on a unix socket path (the container's) or a TCP port on loopback (tests). */
  listen(where: string | number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      const done = () => {
        this.server.off('error', reject);
        resolve();
      };
      if (typeof where === 'string') this.server.listen(where, done);
      else this.server.listen(where, '127.0.0.1', done);
    });
  }

  address(): ReturnType<Server['address']> {
    return this.server.address();
  }

  /**
   * Stops listening and cuts every open connection; resolves once each cut connection
   * has emitted 'close' (its record is written then), so `records` is complete.
   */
  async close(): Promise<void> {
    this.closed = true;
    const cut = [...this.open].map(
      (s) =>
        new Promise<void>((resolve) => {
          s.once('close', () => resolve());
          s.destroy();
        }),
    );
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all(cut);
  }

  /** Every request seen so far that has ended, in the order they arrived. */
  get records(): EgressRecord[] {
    return this.slots.filter((r): r is EgressRecord => r !== undefined);
  }

  private reserve(): number {
    this.slots.push(undefined);
    return this.slots.length - 1;
  }

  private record(r: EgressRecord, slot = this.reserve()): void {
    this.slots[slot] = r;
    this.opts.onRecord?.(r);
  }

  private decide(req: Parameters<typeof matchEgress>[1]): ReturnType<typeof matchEgress> {
    if (this.opts.refuseAll !== undefined) return { allowed: false, reason: this.opts.refuseAll };
    return matchEgress(this.opts.rules, req);
  }

  /** The first resolved address we may dial, or why none. */
  private async pickAddress(host: string): Promise<{ ip: string } | { refused: string }> {
    let addresses: string[];
    try {
      addresses = await this.opts.resolve(host);
    } catch {
      return { refused: 'name does not resolve' };
    }
    const reasons: string[] = [];
    for (const ip of addresses) {
      const why = forbiddenAddressReason(ip, this.opts.ownAddresses);
      if (why === null) return { ip };
      reasons.push(`${ip}: ${why}`);
    }
    return {
      refused: reasons.length ? `resolves to a refused address (${reasons.join('; ')})` : 'no address',
    };
  }

  /** Counts bytes against the run's budget; false once it is spent. */
  private spend(n: number): boolean {
    this.bytesUsed += n;
    return this.bytesUsed <= this.opts.byteBudget;
  }

  private async onConnect(req: IncomingMessage, client: Socket, head: Buffer): Promise<void> {
    const slot = this.reserve();
    const target = parseAuthority(req.url ?? '');
    const base = { method: 'CONNECT', host: target?.host ?? String(req.url), port: target?.port ?? 0 };
    const deny = (reason: string, status = 403) => {
      this.record({ ...base, bytesUp: 0, bytesDown: 0, allowed: false, reason }, slot);
      if (!client.destroyed)
        client.end(
          `HTTP/1.1 ${status} Forbidden\r\nX-Airlock-Egress: ${reason.replace(/[^\x20-\x7e]/g, '?')}\r\n\r\n`,
        );
    };
    if (target === null) return deny('CONNECT target is not host:port', 400);
    const decision = this.decide({ host: target.host, port: target.port });
    if (!decision.allowed) return deny(decision.reason);
    const picked = await this.pickAddress(target.host);
    if ('refused' in picked) return deny(picked.refused);
    if (this.closed) return deny('the egress session closed');
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    const hello = await readClientHello(client, head, this.opts.helloTimeoutMs);
    const sni = typeof hello === 'string' ? hello : readSni(hello);
    if (sni === 'not-tls' || sni === 'incomplete' || sni === 'timeout') {
      this.record(
        {
          ...base,
          bytesUp: 0,
          bytesDown: 0,
          allowed: false,
          reason: `tunnel does not carry TLS (${sni})`,
        },
        slot,
      );
      client.destroy();
      return;
    }
    if (typeof hello === 'string') return;
    if (sni.name === null || normalizeHost(sni.name) !== normalizeHost(target.host)) {
      this.record(
        {
          ...base,
          bytesUp: 0,
          bytesDown: 0,
          allowed: false,
          reason: `TLS server name ${JSON.stringify(sni.name)} is not the CONNECT host`,
        },
        slot,
      );
      client.destroy();
      return;
    }
    this.tunnel(client, picked.ip, target.port, hello, base, slot);
  }

  private tunnel(
    client: Socket,
    ip: string,
    port: number,
    first: Buffer,
    base: Omit<EgressRecord, 'bytesUp' | 'bytesDown' | 'allowed' | 'reason'>,
    slot: number,
  ): void {
    const upstream = connect({ host: ip, port });
    const r: EgressRecord = { ...base, bytesUp: 0, bytesDown: 0, allowed: true, reason: 'allowed' };
    let finished = false;
    const finish = (reason?: string) => {
      if (finished) return;
      finished = true;
      if (reason) {
        r.allowed = false;
        r.reason = reason;
      }
      upstream.destroy();
      client.destroy();
      this.record(r, slot);
    };
    const up = (chunk: Buffer) => {
      r.bytesUp += chunk.length;
      if (!this.spend(chunk.length)) return finish('byte budget exceeded');
      upstream.write(chunk);
    };
    up(first);
    client.on('data', up);
    // readClientHello paused the socket; a listener alone does not resume a paused stream.
    client.resume();
    upstream.on('data', (chunk: Buffer) => {
      r.bytesDown += chunk.length;
      if (!this.spend(chunk.length)) return finish('byte budget exceeded');
      client.write(chunk);
    });
    upstream.on('error', () => finish(r.bytesDown === 0 ? 'upstream connection failed' : undefined));
    client.on('error', () => finish());
    upstream.on('close', () => finish());
    client.on('close', () => finish());
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const slot = this.reserve();
    const method = req.method ?? 'GET';
    let url: URL | null = null;
    try {
      url = new URL(req.url ?? '');
    } catch {
      url = null;
    }
    const port = url ? Number(url.port || 80) : 0;
    const base = {
      method,
      host: url?.hostname ?? '-',
      port,
      path: url ? url.pathname + url.search : req.url,
    };
    const deny = (reason: string, status = 403) => {
      this.record({ ...base, bytesUp: 0, bytesDown: 0, allowed: false, reason }, slot);
      res.writeHead(status, {
        'x-airlock-egress': reason.replace(/[^\x20-\x7e]/g, '?'),
        connection: 'close',
      });
      res.end(`airlock egress: ${reason}\n`);
    };
    if (url === null || url.protocol !== 'http:')
      return deny('not an absolute http:// URL (use CONNECT for https)', 400);
    const hostHeader = (req.headers.host ?? '').toLowerCase();
    const expected = url.port ? `${url.hostname}:${url.port}` : url.hostname;
    if (hostHeader !== expected.toLowerCase() && hostHeader !== `${url.hostname}:80`) {
      return deny(`Host header ${JSON.stringify(hostHeader)} is not the URL's host`);
    }
    const decision = this.decide({ host: url.hostname, port, method, path: base.path });
    if (!decision.allowed) return deny(decision.reason);
    const picked = await this.pickAddress(url.hostname);
    if ('refused' in picked) return deny(picked.refused);
    if (this.closed) return deny('the egress session closed');
    const headers = { ...req.headers };
    for (const h of ['proxy-authorization', 'proxy-connection', 'connection', 'keep-alive'])
      delete headers[h];
    const r: EgressRecord = { ...base, bytesUp: 0, bytesDown: 0, allowed: true, reason: 'allowed' };
    const upstream = request({
      host: picked.ip,
      port,
      method,
      path: base.path,
      headers: { ...headers, connection: 'close' },
      setHost: false,
      // One connection per request: nothing pooled across requests or hosts.
      agent: false,
    });
    let done = false;
    const finish = (reason?: string) => {
      if (done) return;
      done = true;
      if (reason) {
        r.allowed = false;
        r.reason = reason;
      }
      this.record(r, slot);
    };
    req.on('data', (chunk: Buffer) => {
      r.bytesUp += chunk.length;
      if (!this.spend(chunk.length)) {
        finish('byte budget exceeded');
        upstream.destroy();
        res.destroy();
        return;
      }
      upstream.write(chunk);
    });
    req.on('end', () => upstream.end());
    upstream.on('error', () => {
      finish('upstream connection failed');
      if (!res.headersSent) res.writeHead(502, { connection: 'close' });
      res.end();
    });
    upstream.on('response', (up) => {
      const location = up.headers.location;
      if (location !== undefined) {
        const next = redirectTarget(url as URL, location);
        const ok =
          next !== null &&
          (next.protocol === 'http:' || next.protocol === 'https:') &&
          matchEgress(this.opts.rules, {
            host: next.hostname,
            port: Number(next.port || (next.protocol === 'https:' ? 443 : 80)),
          }).allowed;
        if (!ok) {
          up.destroy();
          finish(`redirect to a host not on the allowlist (${next?.hostname ?? 'unparseable'})`);
          res.writeHead(403, { 'x-airlock-egress': 'redirect to a denied host', connection: 'close' });
          res.end('airlock egress: redirect to a denied host\n');
          return;
        }
      }
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.on('data', (chunk: Buffer) => {
        r.bytesDown += chunk.length;
        if (!this.spend(chunk.length)) {
          finish('byte budget exceeded');
          up.destroy();
          res.destroy();
          return;
        }
        res.write(chunk);
      });
      up.on('end', () => {
        finish();
        res.end();
      });
      up.on('error', () => finish('upstream connection failed'));
    });
  }
}

function redirectTarget(base: URL, location: string): URL | null {
  try {
    return new URL(location, base);
  } catch {
    return null;
  }
}

/** `host:port` of a CONNECT request; IPv6 literals in brackets stay literals (then refused). */
export function parseAuthority(s: string): { host: string; port: number } | null {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]/\s]+):(\d{1,5})$/.exec(s);
  if (!m) return null;
  const port = Number(m[2]);
  if (port < 1 || port > 65_535) return null;
  return { host: m[1] as string, port };
}

/** Collects the client's first bytes until a whole ClientHello (or not TLS) is known. */
function readClientHello(
  client: Socket,
  head: Buffer,
  timeoutMs: number,
): Promise<Buffer | 'timeout' | 'not-tls'> {
  return new Promise((resolve) => {
    let buf = head;
    const check = (): boolean => {
      const r = readSni(buf);
      if (r === 'incomplete' && buf.length < MAX_CLIENT_HELLO) return false;
      cleanup();
      resolve(r === 'not-tls' || r === 'incomplete' ? 'not-tls' : buf);
      return true;
    };
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      check();
    };
    const timer = setTimeout(() => {
      cleanup();
      resolve('timeout');
    }, timeoutMs);
    const onEnd = () => {
      cleanup();
      resolve('not-tls');
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off('data', onData);
      client.off('end', onEnd);
      client.pause();
    };
    if (buf.length > 0 && check()) return;
    client.on('data', onData);
    client.on('end', onEnd);
  });
}
