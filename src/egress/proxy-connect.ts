import type { IncomingMessage } from 'node:http';
import { type Socket, connect } from 'node:net';
import type { EgressRequest } from '../report/types.js';
import { normalizeHost } from './allowlist.js';
import { type ProxyContext, headerSafe, recordOnce } from './proxy-context.js';
import { MAX_CLIENT_HELLO, readSni } from './tls-sni.js';

/**
 * A CONNECT request: allowed only for a name on the list that resolves to an address the
 * proxy may dial, and only for a tunnel that carries TLS whose SNI is the CONNECT name
 * (no domain fronting, no other protocol through port 443). Each tunnel gets its own
 * upstream connection to the address that was checked.
 */
export async function handleConnect(
  ctx: ProxyContext,
  req: IncomingMessage,
  client: Socket,
  head: Buffer,
): Promise<void> {
  const slot = ctx.reserve();
  const target = parseAuthority(req.url ?? '');
  const base = { method: 'CONNECT', host: target?.host ?? String(req.url), port: target?.port ?? 0 };
  const refuse = (reason: string) =>
    ctx.record({ ...base, bytesUp: 0, bytesDown: 0, allowed: false, reason }, slot);
  const deny = (reason: string, status = 403) => {
    refuse(reason);
    if (!client.destroyed)
      client.end(`HTTP/1.1 ${status} Forbidden\r\nX-Airlock-Egress: ${headerSafe(reason)}\r\n\r\n`);
  };
  if (target === null) return deny('CONNECT target is not host:port', 400);
  const decision = ctx.decide({ host: target.host, port: target.port });
  if (!decision.allowed) return deny(decision.reason);
  const picked = await ctx.pickAddress(target.host);
  if ('refused' in picked) return deny(picked.refused);
  if (ctx.closed()) return deny('the egress session closed');
  client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  const hello = await readClientHello(client, head, ctx.helloTimeoutMs);
  const sni = typeof hello === 'string' ? hello : readSni(hello);
  if (sni === 'not-tls' || sni === 'incomplete' || sni === 'timeout') {
    refuse(`tunnel does not carry TLS (${sni})`);
    client.destroy();
    return;
  }
  if (typeof hello === 'string') return;
  if (sni.name === null || normalizeHost(sni.name) !== normalizeHost(target.host)) {
    refuse(`TLS server name ${JSON.stringify(sni.name)} is not the CONNECT host`);
    client.destroy();
    return;
  }
  tunnel(ctx, client, picked.ip, target.port, hello, base, slot);
}

function tunnel(
  ctx: ProxyContext,
  client: Socket,
  ip: string,
  port: number,
  first: Buffer,
  base: Omit<EgressRequest, 'bytesUp' | 'bytesDown' | 'allowed' | 'reason'>,
  slot: number,
): void {
  const upstream = connect({ host: ip, port });
  const r: EgressRequest = { ...base, bytesUp: 0, bytesDown: 0, allowed: true, reason: 'allowed' };
  const record = recordOnce(ctx, r, slot);
  // Either side ending, or a cut, closes both; destroying a closed socket is a no-op.
  const finish = (reason?: string) => {
    upstream.destroy();
    client.destroy();
    record(reason);
  };
  const up = (chunk: Buffer) => {
    r.bytesUp += chunk.length;
    if (!ctx.spend(chunk.length)) return finish('byte budget exceeded');
    upstream.write(chunk);
  };
  up(first);
  client.on('data', up);
  // readClientHello paused the socket; a listener alone does not resume a paused stream.
  client.resume();
  upstream.on('data', (chunk: Buffer) => {
    r.bytesDown += chunk.length;
    if (!ctx.spend(chunk.length)) return finish('byte budget exceeded');
    client.write(chunk);
  });
  upstream.on('error', () => finish(r.bytesDown === 0 ? 'upstream connection failed' : undefined));
  client.on('error', () => finish());
  upstream.on('close', () => finish());
  client.on('close', () => finish());
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
