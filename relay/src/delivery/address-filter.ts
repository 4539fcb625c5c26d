import { BlockList, isIPv4 } from 'node:net';

/** Kinds of address a relay must not deliver to unless allowed: they reach its own network. */
export const INTERNAL_ADDRESS_KINDS = [
  'loopback',
  'private',
  'link-local',
  'unspecified',
  'multicast',
] as const;
export type InternalAddressKind = (typeof INTERNAL_ADDRESS_KINDS)[number];

/** Each kind's ranges (RFC 6890 and the IANA special-purpose registries). */
const RANGES: Record<InternalAddressKind, readonly [string, number][]> = {
  loopback: [
    ['127.0.0.0', 8],
    ['::1', 128],
  ],
  // RFC 1918, RFC 6598 (carrier-grade NAT), RFC 4193 (unique local).
  private: [
    ['10.0.0.0', 8],
    ['172.16.0.0', 12],
    ['192.168.0.0', 16],
    ['100.64.0.0', 10],
    ['fc00::', 7],
  ],
  'link-local': [
    ['169.254.0.0', 16],
    ['fe80::', 10],
  ],
  unspecified: [
    ['0.0.0.0', 8],
    ['::', 128],
  ],
  multicast: [
    ['224.0.0.0', 4],
    ['255.255.255.255', 32],
    ['ff00::', 8],
  ],
};

const LISTS = INTERNAL_ADDRESS_KINDS.map((kind) => {
  const list = new BlockList();
  for (const [network, prefix] of RANGES[kind]) {
    list.addSubnet(network, prefix, isIPv4(network) ? 'ipv4' : 'ipv6');
  }
  return { kind, list };
});

/**
 * LIMITATION: addresses are judged by their ranges only, so a public address that routes into
 * the relay's own network (a NAT hairpin, say) is still connected to; a firewall backs this up.
 *
 * The internal kind of an IP address, or null for an address on the public internet. IPv4-mapped
 * IPv6 addresses (`::ffff:127.0.0.1`) are judged by their IPv4 address.
 */
export function internalAddressKind(ip: string): InternalAddressKind | null {
  const family = isIPv4(ip) ? 'ipv4' : 'ipv6';
  return LISTS.find(({ list }) => list.check(ip, family))?.kind ?? null;
}
