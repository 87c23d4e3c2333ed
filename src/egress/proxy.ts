import { lookup } from 'node:dns/promises';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { Socket } from 'node:net';
import type { EgressRequest } from '../report/types.js';
import { forbiddenAddressReason, hostAddresses } from './address-policy.js';
import { type EgressRule, matchEgress } from './allowlist.js';
import { handleConnect } from './proxy-connect.js';
import type { ProxyContext } from './proxy-context.js';
import { handlePlainRequest } from './proxy-plain.js';

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
 * whole run, up and down. This file holds the run's state and its decisions; the two
 * kinds of request are handled in proxy-connect.ts and proxy-plain.ts.
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
    const ctx: ProxyContext = {
      rules: this.opts.rules,
      helloTimeoutMs: this.opts.helloTimeoutMs,
      reserve: () => this.reserve(),
      record: (r, slot) => this.record(r, slot),
      decide: (req) => this.decide(req),
      pickAddress: (host) => this.pickAddress(host),
      spend: (n) => this.spend(n),
      closed: () => this.closed,
    };
    this.server = createServer((req, res) => void handlePlainRequest(ctx, req, res));
    this.server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      void handleConnect(ctx, req, socket, head);
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
}
