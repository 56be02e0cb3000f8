import dns from 'node:dns/promises';
import net from 'node:net';
import { badRequest } from '../../platform/errors';

/** True for loopback, private, link-local, CGNAT, unique-local and unspecified addresses (IPv4 and IPv6). */
export function isPrivateAddress(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (net.isIPv4(v4)) {
    const [a, b] = v4.split('.').map(Number);
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  const x = ip.toLowerCase();
  return x === '::' || x === '::1' || x.startsWith('fc') || x.startsWith('fd') || x.startsWith('fe80');
}

/**
 * Rejects a user-supplied upstream URL that points into private networks (SSRF), unless allowed by configuration.
 * Names are resolved and every address checked. `field` names the input in the 400.
 */
export async function assertPublicUrl(raw: string, field: string, allowPrivate: boolean): Promise<void> {
  if (allowPrivate) return;
  const host = new URL(raw).hostname.replace(/^\[|\]$/g, '');
  const bad = () => badRequest(`${field} points to a private or local address`, [{ path: field, message: 'private, loopback and link-local addresses are not allowed' }]);
  if (host === 'localhost' || host.endsWith('.localhost')) throw bad();
  if (net.isIP(host)) {
    if (isPrivateAddress(host)) throw bad();
    return;
  }
  let addrs: { address: string }[];
  try {
    addrs = await dns.lookup(host, { all: true });
  } catch {
    throw badRequest(`${field}: host ${host} does not resolve`, [{ path: field, message: 'host does not resolve' }]);
  }
  if (addrs.some((a) => isPrivateAddress(a.address))) throw bad();
}
