import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/**
 * Which IP addresses the egress proxy never dials, whatever name resolved to them.
 *
 * The proxy resolves names itself and dials only an address it checked here, so a
 * name that resolves (or is rebound) to the runner, its metadata service or the LAN
 * cannot be used to reach them. IPv4-mapped IPv6 (::ffff:a.b.c.d) is matched against
 * the IPv4 ranges (node's BlockList does that), and the IPv6 forms that embed or
 * translate an IPv4 address (NAT64, 6to4, Teredo) are refused whole: checking the
 * embedded address is not worth the parser.
 */

const V4: [string, number, string][] = [
  ['0.0.0.0', 8, 'this network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata lives at 169.254.169.254)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

const V6: [string, number, string][] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['::ffff:0:0', 96, 'IPv4-mapped'],
  ['64:ff9b::', 96, 'NAT64'],
  ['64:ff9b:1::', 48, 'NAT64 (local use)'],
  ['100::', 64, 'discard'],
  ['2001::', 32, 'Teredo'],
  ['2002::', 16, '6to4'],
  ['fc00::', 7, 'unique local (AWS metadata lives at fd00:ec2::254)'],
  ['fe80::', 10, 'link-local'],
  ['ff00::', 8, 'multicast'],
];

// One list per range, so the refusal can say which. Each family is checked only against
// its own ranges: a BlockList matches an IPv4 address against IPv6 rules in its mapped
// form, so ::ffff:0:0/96 would otherwise catch every IPv4 address.
function lists(ranges: [string, number, string][], type: 'ipv4' | 'ipv6'): [BlockList, string][] {
  return ranges.map(([net, prefix, why]) => {
    const one = new BlockList();
    one.addSubnet(net, prefix, type);
    return [one, why];
  });
}

const V4_LISTS = lists(V4, 'ipv4');
const V6_LISTS = lists(V6, 'ipv6');

/** The runner's own addresses: a service bound to a public interface is still the host. */
export function hostAddresses(): Set<string> {
  const out = new Set<string>();
  for (const entries of Object.values(networkInterfaces())) {
    for (const e of entries ?? []) out.add(e.address.toLowerCase());
  }
  return out;
}

/**
 * Why `ip` must not be dialled, or null when it may be. `ip` must be a literal
 * address (a resolver's answer); anything else is refused.
 */
export function forbiddenAddressReason(
  ip: string,
  own: ReadonlySet<string> = hostAddresses(),
): string | null {
  const family = isIP(ip);
  if (family === 0) return 'not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const [list, why] of family === 4 ? V4_LISTS : V6_LISTS) {
    if (list.check(ip, type)) return why;
  }
  if (own.has(ip.toLowerCase())) return "the runner's own address";
  return null;
}
