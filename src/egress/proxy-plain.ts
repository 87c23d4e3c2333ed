import { type IncomingMessage, type ServerResponse, request } from 'node:http';
import type { EgressRequest } from '../report/types.js';
import { matchEgress } from './allowlist.js';
import { type ProxyContext, headerSafe, recordOnce } from './proxy-context.js';

/**
 * A plain HTTP request through the proxy: an absolute http:// URL whose Host header is
 * its URL's host, for a name (and method and path) on the list that resolves to an
 * address the proxy may dial. One upstream connection per request, nothing pooled; a
 * redirect to a host not on the list is refused, not passed on.
 */
export async function handlePlainRequest(
  ctx: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const slot = ctx.reserve();
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
    ctx.record({ ...base, bytesUp: 0, bytesDown: 0, allowed: false, reason }, slot);
    res.writeHead(status, { 'x-airlock-egress': headerSafe(reason), connection: 'close' });
    res.end(`airlock egress: ${reason}\n`);
  };
  if (url === null || url.protocol !== 'http:')
    return deny('not an absolute http:// URL (use CONNECT for https)', 400);
  const hostHeader = (req.headers.host ?? '').toLowerCase();
  const expected = url.port ? `${url.hostname}:${url.port}` : url.hostname;
  if (hostHeader !== expected.toLowerCase() && hostHeader !== `${url.hostname}:80`) {
    return deny(`Host header ${JSON.stringify(hostHeader)} is not the URL's host`);
  }
  const decision = ctx.decide({ host: url.hostname, port, method, path: base.path });
  if (!decision.allowed) return deny(decision.reason);
  const picked = await ctx.pickAddress(url.hostname);
  if ('refused' in picked) return deny(picked.refused);
  if (ctx.closed()) return deny('the egress session closed');
  const asked: URL = url;
  const headers = { ...req.headers };
  for (const h of ['proxy-authorization', 'proxy-connection', 'connection', 'keep-alive']) delete headers[h];
  const r: EgressRequest = { ...base, bytesUp: 0, bytesDown: 0, allowed: true, reason: 'allowed' };
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
  const finish = recordOnce(ctx, r, slot);
  req.on('data', (chunk: Buffer) => {
    r.bytesUp += chunk.length;
    if (!ctx.spend(chunk.length)) {
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
      const next = redirectTarget(asked, location);
      const ok =
        next !== null &&
        (next.protocol === 'http:' || next.protocol === 'https:') &&
        matchEgress(ctx.rules, {
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
      if (!ctx.spend(chunk.length)) {
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

function redirectTarget(base: URL, location: string): URL | null {
  try {
    return new URL(location, base);
  } catch {
    return null;
  }
}
