import { isIP } from 'node:net';

/**
 * A profile's egress allowlist, and the one function that decides whether a request
 * may leave: `matchEgress(rules, {host, port, method, path})`.
 *
 * Host patterns are exact names (`pypi.org`) or one leading wildcard label
 * (`*.githubusercontent.com`, which matches `raw.githubusercontent.com` and deeper
 * names, never `githubusercontent.com` itself). Names compare case-insensitively,
 * without a trailing dot. IP literals are never allowed: a rule must name a host.
 */
export interface EgressRule {
  /** `pypi.org`, `*.example.org`; no IP literals, no port here. */
  host: string;
  /** Allowed ports; default [443]. */
  ports: number[];
  /** Allowed methods for plain HTTP (upper case); empty = any. TLS hides the method. */
  methods: string[];
  /** Allowed path prefixes for plain HTTP; empty = any. */
  paths: string[];
}

export interface EgressRequest {
  host: string;
  port: number;
  /** Known for plain HTTP only. */
  method?: string;
  path?: string;
}

export type EgressDecision = { allowed: true; rule: EgressRule } | { allowed: false; reason: string };

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A host name as the proxy compares it, or null when it is not a DNS name. */
export function normalizeHost(host: string): string | null {
  let h = host.toLowerCase();
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h.length === 0 || h.length > 253) return null;
  if (isIP(h) !== 0 || isIP(h.replace(/^\[|\]$/g, '')) !== 0) return null;
  return h.split('.').every((l) => LABEL.test(l)) ? h : null;
}

/** Checks a pattern as the policy loader does; returns the problem or null. */
export function hostPatternProblem(pattern: string): string | null {
  const body = pattern.startsWith('*.') ? pattern.slice(2) : pattern;
  if (isIP(pattern) !== 0 || isIP(pattern.replace(/^\[|\]$/g, '')) !== 0) {
    return 'an IP literal; name the host (the proxy resolves and checks its addresses)';
  }
  if (normalizeHost(body) === null) return 'expected a host name like "pypi.org" or "*.example.org"';
  if (!body.includes('.')) return 'expected a name with a dot (a bare label or TLD is too broad)';
  return null;
}

function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  if (p.startsWith('*.')) return host.endsWith(p.slice(1));
  return host === p;
}

export function matchEgress(rules: readonly EgressRule[], req: EgressRequest): EgressDecision {
  const host = normalizeHost(req.host);
  if (host === null) {
    return {
      allowed: false,
      reason: isIP(req.host.replace(/^\[|\]$/g, '')) ? 'IP literal' : 'not a host name',
    };
  }
  const forHost = rules.filter((r) => hostMatches(r.host, host));
  if (forHost.length === 0) return { allowed: false, reason: 'host not on the allowlist' };
  const forPort = forHost.filter((r) => r.ports.includes(req.port));
  if (forPort.length === 0) return { allowed: false, reason: `port ${req.port} not allowed for ${host}` };
  for (const rule of forPort) {
    if (req.method !== undefined && rule.methods.length > 0 && !rule.methods.includes(req.method)) continue;
    if (req.path !== undefined && rule.paths.length > 0 && !rule.paths.some((p) => req.path?.startsWith(p))) {
      continue;
    }
    return { allowed: true, rule };
  }
  return { allowed: false, reason: `${req.method ?? ''} ${req.path ?? ''} not allowed for ${host}`.trim() };
}

/** Parses a policy entry `host[:port]` into a rule with defaults. */
export function ruleFromEntry(entry: string, methods: string[] = [], paths: string[] = []): EgressRule {
  const m = /^(.*?)(?::(\d{1,5}))?$/.exec(entry);
  const host = m?.[1] ?? entry;
  const port = m?.[2] ? Number(m[2]) : 443;
  return { host: host.toLowerCase(), ports: [port], methods, paths };
}
