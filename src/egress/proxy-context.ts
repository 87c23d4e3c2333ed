import type { EgressRequest } from '../report/types.js';
import type { EgressRule, matchEgress } from './allowlist.js';

/**
 * What the proxy's two request handlers (proxy-connect.ts for CONNECT tunnels,
 * proxy-plain.ts for plain HTTP) ask of the proxy that runs them: the decisions and the
 * run-wide state stay in one place (src/egress/proxy.ts), the handlers only speak HTTP.
 */
export interface ProxyContext {
  readonly rules: readonly EgressRule[];
  readonly helloTimeoutMs: number;
  /** A record's place, taken when the request arrives: records read in arrival order. */
  reserve(): number;
  record(r: EgressRequest, slot: number): void;
  /** The allowlist's answer (or the run's refuse-all reason). */
  decide(req: Parameters<typeof matchEgress>[1]): ReturnType<typeof matchEgress>;
  /** The first resolved address that may be dialled, or why none. */
  pickAddress(host: string): Promise<{ ip: string } | { refused: string }>;
  /** Counts bytes against the run's budget; false once it is spent. */
  spend(n: number): boolean;
  /** The session closed while a request was still resolving: it dials nothing. */
  closed(): boolean;
}

/** A reason as an HTTP header value: printable ASCII only (a host name is hostile). */
export function headerSafe(reason: string): string {
  return reason.replace(/[^\x20-\x7e]/g, '?');
}

/**
 * The record of an allowed request or tunnel, written once: when it ends, or when it is
 * cut (the first reason given wins; later calls, such as the close that follows a cut,
 * change nothing). Returns whether this call wrote it.
 */
export function recordOnce(ctx: ProxyContext, r: EgressRequest, slot: number): (reason?: string) => boolean {
  let done = false;
  return (reason) => {
    if (done) return false;
    done = true;
    if (reason) {
      r.allowed = false;
      r.reason = reason;
    }
    ctx.record(r, slot);
    return true;
  };
}
