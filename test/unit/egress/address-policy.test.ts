import { describe, expect, it } from 'vitest';
import { forbiddenAddressReason } from '../../../src/egress/address-policy.js';

const none = new Set<string>();

describe('forbiddenAddressReason', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.20.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['100.100.100.200', 'carrier-grade NAT'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'this network'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['::ffff:127.0.0.1', 'IPv4-mapped'],
    ['::ffff:8.8.8.8', 'IPv4-mapped'],
    ['64:ff9b::7f00:1', 'NAT64'],
    ['2002:7f00:1::', '6to4'],
    ['2001:0:4136:e378::1', 'Teredo'],
    ['fd00:ec2::254', 'unique local'],
    ['fe80::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['localhost', 'not an IP address'],
  ])('refuses %s (%s)', (ip, why) => {
    expect(forbiddenAddressReason(ip, none)).toContain(why);
  });

  it.each(['8.8.8.8', '151.101.0.223', '198.51.100.1', '2a04:4e42::223'])(
    'allows the public address %s',
    (ip) => {
      expect(forbiddenAddressReason(ip, none)).toBeNull();
    },
  );

  it("refuses the runner's own public address", () => {
    expect(forbiddenAddressReason('203.0.113.9', new Set(['203.0.113.9']))).toBe("the runner's own address");
  });
});
