import ipaddr from 'ipaddr.js';

/** Why an address may not be reached: the ipaddr.js range name, or one of ours for the forms it does not name. */
export type AddressVerdict = { allowed: true; range: 'unicast' } | { allowed: false; range: string };

/**
 * Parses a host that is an IP literal in any spelling a resolver or URL parser accepts: dotted quad, decimal
 * (`2130706433`), octal (`0177.0.0.1`), hex (`0x7f.1`), short (`127.1`), and IPv6 with or without brackets.
 * Returns undefined for a host name.
 */
export function parseIpLiteral(host: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (ipaddr.IPv6.isValid(h)) return ipaddr.IPv6.parse(h);
  // ipaddr's IPv4 parser takes the inet_aton forms (octal, hex, 1-4 parts) that `ping 0x7f.1` would.
  if (ipaddr.IPv4.isValid(h)) return ipaddr.IPv4.parse(h);
  return undefined;
}

/** The IPv4 address carried in the low 32 bits of an IPv6 address. */
const low32 = (v6: ipaddr.IPv6) => new ipaddr.IPv4(v6.toByteArray().slice(12, 16));

/**
 * Classifies one address (already resolved or literal). Only plain public unicast is allowed: every special
 * range ipaddr.js knows (loopback, private, link-local, CGNAT, ULA, multicast, broadcast, unspecified, reserved and
 * documentation, benchmarking, 6to4, Teredo, NAT64, ORCHID ...) is refused, IPv4-mapped IPv6 is judged by its IPv4
 * address, IPv4-compatible (`::a.b.c.d`, deprecated) and anything outside 2000::/3 is refused outright.
 */
export function classifyAddress(address: string | ipaddr.IPv4 | ipaddr.IPv6): AddressVerdict {
  // ipaddr.js reads the text `::a.b.c.d` (IPv4-compatible) as IPv4-mapped; it is neither safe nor routable.
  if (typeof address === 'string' && /^\[?::(\d+\.){3}\d+\]?$/.test(address)) return { allowed: false, range: 'ipv4Compatible' };
  const parsed = typeof address === 'string' ? parseIpLiteral(address) : address;
  if (!parsed) return { allowed: false, range: 'invalid' };
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return classifyAddress(v6.toIPv4Address());
    const range = v6.range();
    if (range !== 'unicast') return { allowed: false, range };
    const first = v6.parts[0]!;
    if (v6.parts.slice(0, 6).every((p) => p === 0)) return { allowed: false, range: `ipv4Compatible(${low32(v6).range()})` };
    // Global unicast is 2000::/3; the rest of the space is unassigned, and nothing legitimate answers there.
    if ((first & 0xe000) !== 0x2000) return { allowed: false, range: 'unassigned' };
    return { allowed: true, range: 'unicast' };
  }
  const range = (parsed as ipaddr.IPv4).range();
  return range === 'unicast' ? { allowed: true, range } : { allowed: false, range };
}

/** The canonical text of an address (IPv4-mapped IPv6 shown as IPv4), for allow-list matching and logs. */
export function canonical(address: ipaddr.IPv4 | ipaddr.IPv6): string {
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) return (address as ipaddr.IPv6).toIPv4Address().toString();
  return address.toString();
}
