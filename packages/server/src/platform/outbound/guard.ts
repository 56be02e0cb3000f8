import dns from 'node:dns/promises';
import type ipaddr from 'ipaddr.js';
import { canonical, classifyAddress, parseIpLiteral } from './address';
import { allowsAddress, allowsName, type AllowEntry } from './allow';
import { OutboundUnreachable } from './errors';

/** Resolves a host name to every address it has (injectable so tests can make a name point at loopback). */
export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = async (hostname) => (await dns.lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

export interface GuardOptions {
  allow: readonly AllowEntry[];
  resolve?: Resolver;
  /** Trusted (operator-set) destinations skip the address check but still resolve and connect the same way. */
  trusted?: boolean;
}

/** The address to connect to, chosen after every address of the name passed the check. */
export interface Target {
  address: string;
  family: 4 | 6;
}

const NAMES_ALWAYS_LOCAL = /(^|\.)(localhost|localdomain)$/;

/**
 * Decides where one connection may go: resolves the host once, refuses when ANY of its addresses is not public
 * unicast (a name answering both a public and a private address is a rebinding attempt), unless the allow-list
 * names the host (and port) or the address. The caller connects to the returned address itself, so nothing
 * resolves the name a second time between check and connect.
 */
export async function pickTarget(hostname: string, port: number, o: GuardOptions): Promise<Target> {
  const host = hostname.toLowerCase();
  const literal = parseIpLiteral(host);
  let addresses: (ipaddr.IPv4 | ipaddr.IPv6)[];
  if (literal) {
    addresses = [literal];
  } else {
    let raw: string[];
    try {
      raw = await (o.resolve ?? systemResolver)(host);
    } catch (err) {
      throw new OutboundUnreachable('dns', { cause: err });
    }
    addresses = raw.map((a) => parseIpLiteral(a)).filter((a): a is ipaddr.IPv4 | ipaddr.IPv6 => a !== undefined);
    if (addresses.length === 0) throw new OutboundUnreachable('dns');
  }
  const nameAllowed = !literal && allowsName(o.allow, host, port);
  if (!o.trusted && !nameAllowed) {
    if (!literal && NAMES_ALWAYS_LOCAL.test(host) && !addresses.every((a) => allowsAddress(o.allow, a, port))) throw new OutboundUnreachable('refused:localhost-name');
    for (const a of addresses) {
      if (allowsAddress(o.allow, a, port)) continue;
      const v = classifyAddress(a);
      if (!v.allowed) throw new OutboundUnreachable(`refused:${v.range}`);
    }
  }
  // IPv4 first when the name has both: many containers have no IPv6 route, and we dial one address, not several.
  const chosen = canonical(addresses.find((a) => canonical(a).includes('.')) ?? addresses[0]!);
  return { address: chosen, family: chosen.includes(':') ? 6 : 4 };
}

/** The port a URL connects to (its explicit port, else the scheme's default). */
export function portOf(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}
